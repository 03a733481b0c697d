/**
 * PostgreSQL goes away under load, scoped to this file's database: new connections refused and every backend
 * of the app terminated (pg_terminate_backend), for about a second. The API answers 503, retries settlements
 * with the same keys, recovers without a restart and leaves no partial ledger entry.
 */
import { createDb, type Database, sql } from '@10xstudent/database'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ApiProcess,
  createReliabilityDb,
  pgUrl,
  type ReliabilityDb,
  sleep,
  startApi,
  stopAll,
} from './harness'
import { expectCleanRecovery, outageUnderLoad } from './outage-scenario'

describe.skipIf(!pgUrl)('PostgreSQL backends terminated under load', () => {
  let rdb: ReliabilityDb
  let admin: Database
  let api: ApiProcess

  beforeAll(async () => {
    rdb = await createReliabilityDb()
    admin = createDb({ url: pgUrl!, poolSize: 1 })
    api = await startApi(rdb.appUrl, {
      env: { DEMO_CHUNK_DELAY_MS: '10', HOLD_TTL_MS: '2000', SWEEP_INTERVAL_MS: '200' },
    })
  })
  afterAll(async () => {
    await admin?.execute(sql.raw(`alter database "${rdb.name}" allow_connections true`)).catch(() => {})
    await stopAll()
    await admin?.close()
    await rdb?.drop()
  })

  it('503 during the outage, same-key retries, recovery without restart, no partial entry', async () => {
    const pid = api.pid
    const result = await outageUnderLoad(rdb, api, async () => {
      await admin.execute(sql.raw(`alter database "${rdb.name}" allow_connections false`))
      const killed = await admin.execute(
        sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${rdb.name} and usename <> 'postgres'`,
      )
      expect(killed.rows.length).toBeGreaterThan(0)
      await sleep(1000)
      await admin.execute(sql.raw(`alter database "${rdb.name}" allow_connections true`))
    })
    await expectCleanRecovery(rdb, api, result)
    expect(api.pid).toBe(pid)
    // Settlements hit the outage and were retried (then settled, or left for the sweeper).
    expect(result.retriedHolds.length).toBeGreaterThan(0)
  })
})

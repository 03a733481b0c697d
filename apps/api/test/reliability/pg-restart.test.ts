/**
 * A full PostgreSQL server restart (`pg_ctlcluster ... restart`) under load. This restarts the whole server, so
 * it runs only where nothing else uses it: in CI (`CI` set; the suite runs files one at a time and turbo runs
 * packages one at a time) or when `RELIABILITY_PG_RESTART=1` is set; elsewhere it is skipped with a warning.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ApiProcess,
  createReliabilityDb,
  eventually,
  pgUrl,
  type ReliabilityDb,
  startApi,
  stopAll,
} from './harness'
import { expectCleanRecovery, outageUnderLoad } from './outage-scenario'

const enabled = Boolean(pgUrl && (process.env.CI || process.env.RELIABILITY_PG_RESTART === '1'))
if (pgUrl && !enabled)
  console.warn(
    'pg-restart.test.ts skipped: set RELIABILITY_PG_RESTART=1 (or CI) to restart the PostgreSQL server',
  )

const run = promisify(execFile)
const pgReady = () =>
  run('pg_isready', ['-h', '127.0.0.1', '-p', '5432']).then(
    () => true,
    () => false,
  )

describe.skipIf(!enabled)('PostgreSQL server restart under load', () => {
  let rdb: ReliabilityDb
  let api: ApiProcess

  beforeAll(async () => {
    rdb = await createReliabilityDb()
    api = await startApi(rdb.appUrl, {
      env: { DEMO_CHUNK_DELAY_MS: '10', HOLD_TTL_MS: '2000', SWEEP_INTERVAL_MS: '200' },
    })
  })
  afterAll(async () => {
    // Never leave the server down for the next file.
    await eventually(async () => ((await pgReady()) ? true : undefined), 60_000).catch(() => {})
    await stopAll()
    await rdb?.drop()
  })

  it('503 during the restart, same-key retries, recovery without restart, no partial entry', async () => {
    const pid = api.pid
    const result = await outageUnderLoad(rdb, api, async () => {
      // Asynchronously: the load keeps hitting the API while the server is down.
      await run('pg_ctlcluster', ['--skip-systemctl-redirect', '15', 'main', 'restart', '-m', 'fast'], {
        timeout: 60_000,
      })
      await eventually(async () => ((await pgReady()) ? true : undefined), 60_000)
    })
    await expectCleanRecovery(rdb, api, result)
    expect(api.pid).toBe(pid)
  })
})

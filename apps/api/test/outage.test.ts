/**
 * The database going away: requests answer 503 `unavailable` (not 500), nothing is half-written, and the
 * same process recovers on its own once PostgreSQL accepts connections again.
 */
import { createDb, type Database, sql } from '@10xstudent/database'
import { demoTextAdapter } from '@10xstudent/metering/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, creditsOf, type Harness, JSON_HEADERS, listen, parseSse, pgUrl } from './helpers'

describe.skipIf(!pgUrl)('database outage', () => {
  let h: Harness
  let server: { url: string; close(): Promise<void> }
  let admin: Database
  let name: string
  let providerCalls = 0

  beforeAll(async () => {
    h = await createHarness({
      database: 'postgres',
      config: { rateLimitRpm: 10_000 },
      createAdapter: () => {
        providerCalls++
        return demoTextAdapter({ replies: ['back online'] })
      },
    })
    server = await listen(h.app)
    admin = createDb({ url: pgUrl!, poolSize: 1 })
    name = new URL(h.databaseUrl!).pathname.slice(1)
  })
  afterAll(async () => {
    await admin?.execute(sql.raw(`alter database "${name}" allow_connections true`)).catch(() => {})
    await admin?.close()
    await server?.close()
    await h?.close()
  })

  const goAway = async () => {
    await admin.execute(sql.raw(`alter database "${name}" allow_connections false`))
    await admin.execute(sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name}`)
  }
  const comeBack = () => admin.execute(sql.raw(`alter database "${name}" allow_connections true`))

  it('answers 503 while PostgreSQL is away and recovers without a restart', async () => {
    const u = await h.user(100)
    const chat = () =>
      fetch(`${server.url}/api/chat`, {
        method: 'POST',
        headers: { ...u.headers, ...JSON_HEADERS },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'hello?' }] }),
      })
    expect((await fetch(`${server.url}/api/credits`, { headers: u.headers })).status).toBe(200)

    await goAway()
    for (const path of ['/api/credits', '/api/usage', '/readyz']) {
      const res = await fetch(`${server.url}${path}`, { headers: u.headers })
      expect(res.status, path).toBe(503)
      const body = (await res.json()) as { error: { code: string; message: string } }
      expect(body.error.code).toBe('unavailable')
      expect(body.error.message).not.toMatch(/postgres:\/\//)
    }
    const down = await chat()
    expect(down.status).toBe(503)
    expect(providerCalls).toBe(0)

    await comeBack()
    const ready = await fetch(`${server.url}/readyz`)
    expect(ready.status).toBe(200)
    const res = await chat()
    expect(res.status).toBe(200)
    const credits = creditsOf(parseSse(await res.text()))
    expect(await h.ledger.balance(u.userId)).toEqual({ credits: 100 - credits.charged, held: 0 })
  })
})

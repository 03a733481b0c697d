/**
 * Graceful shutdown of the real server process wiring (`startServer`): stop accepting, let open streams
 * finish before the deadline, cut off (and settle as aborted) the ones that do not, then close the database.
 */
import { sql } from '@10xstudent/database'
import { demoTextAdapter } from '@10xstudent/metering/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { testConfig } from '../src/config'
import { startServer } from '../src/runtime'
import { createHarness, type Harness, JSON_HEADERS, parseSse, pgUrl } from './helpers'

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ')

describe.skipIf(!pgUrl)('graceful shutdown', () => {
  let h: Harness | undefined
  afterEach(async () => {
    await h?.close()
    h = undefined
  })

  async function start(reply: string, chunkDelayMs: number, shutdownTimeoutMs: number) {
    h = await createHarness({ database: 'postgres' })
    const harness = h
    const server = await startServer(
      testConfig({ port: 0, host: '127.0.0.1', shutdownTimeoutMs, sweepIntervalMs: 0 }),
      {
        logger: harness.logger,
        services: {
          db: harness.db,
          ledger: harness.ledger,
          apiKeys: harness.apiKeys,
          logger: harness.logger,
          ping: async () => {
            await harness.db.execute(sql`select 1`)
          },
        },
        createAdapter: () => demoTextAdapter({ replies: [reply], chunkDelayMs }),
      },
    )
    const u = await harness.user(100)
    const res = await fetch(`${server.url}/api/chat`, {
      method: 'POST',
      headers: { ...u.headers, ...JSON_HEADERS },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'go' }] }),
    })
    expect(res.status).toBe(200)
    return { server, u, res, harness }
  }

  it('a stream that ends before the deadline completes and is settled normally', async () => {
    const { server, u, res, harness } = await start(words(20), 2, 5000)
    const [body] = await Promise.all([res.text(), server.shutdown('test')])
    const chunks = parseSse(body)
    expect(chunks.at(-1)).toMatchObject({ type: 'CUSTOM', name: 'credits' })
    // The database is closed last, so read the ledger through a fresh harness query path: it was settled before.
    const settle = harness.logs.find((l) => l.includes('Chat settled'))
    expect(settle).toContain('"finishReason":"stop"')
    expect(harness.logs.some((l) => l.includes('Shutdown complete'))).toBe(true)
    expect(u.userId).toBeTruthy()
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
  })

  it('a stream still open at the deadline is cut off and settled as aborted before the database closes', async () => {
    const { server, res, harness } = await start(words(2000), 20, 100)
    // Shut down once text is flowing, so there is usage to estimate.
    const reader = res.body!.getReader()
    let seen = ''
    while (!seen.includes('TEXT_MESSAGE_CONTENT')) {
      const { value, done } = await reader.read()
      if (done) break
      seen += new TextDecoder().decode(value)
    }
    const draining = (async () => {
      for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) return
    })()
    await server.shutdown('test')
    await draining
    const settled = harness.logs.find((l) => l.includes('Chat settled'))
    expect(settled).toContain('"finishReason":"aborted"')
    expect(settled).toContain('"estimated":true')
    const order = ['Deadline passed', 'Chat settled', 'Shutdown complete'].map((m) =>
      harness.logs.findIndex((l) => l.includes(m)),
    )
    expect(order.every((i) => i >= 0)).toBe(true)
    expect(order).toEqual([...order].sort((a, b) => a - b))
  })
})

/**
 * Against a real listening server (@hono/node-server on port 0), a real HTTP client (fetch) and real
 * PostgreSQL (its own database for this file).
 */
import { sql } from '@10xstudent/database'
import { demoTextAdapter } from '@10xstudent/metering/testing'
import type { AnyTextAdapter } from '@tanstack/ai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AdapterFactory } from '../src/types'
import {
  createHarness,
  creditsOf,
  eventually,
  type Harness,
  JSON_HEADERS,
  listen,
  parseSse,
  pgUrl,
  textOf,
} from './helpers'

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
const loose = (value: unknown): any => value

const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ')

const PROMPT_MARKER = 'zebra-quartz-prompt-7731'

/** Per-test adapter behaviour, switched by the tests; `calls` counts provider calls (adapter creations). */
const provider = {
  calls: 0,
  make: (): AnyTextAdapter => demoTextAdapter({ replies: ['The answer is forty-two.'] }),
}
const createAdapter: AdapterFactory = () => {
  provider.calls++
  return provider.make()
}

describe.skipIf(!pgUrl)('API over HTTP on PostgreSQL', () => {
  let h: Harness
  let server: { url: string; close(): Promise<void> }

  beforeAll(async () => {
    h = await createHarness({
      database: 'postgres',
      config: { rateLimitRpm: 10_000, maxConcurrentStreams: 100, demoMode: true },
      createAdapter,
    })
    server = await listen(h.app)
  })
  afterAll(async () => {
    await server?.close()
    await h?.close()
  })

  const post = (path: string, headers: Record<string, string>, body: unknown, signal?: AbortSignal) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { ...headers, ...JSON_HEADERS },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    })

  it('a full chat: streamed tokens, the charge and the balance agree with the ledger', async () => {
    provider.make = () => demoTextAdapter({ replies: ['The answer is forty-two.'], chunkDelayMs: 1 })
    const u = await h.user(100)
    const res = await post('/api/chat', u.headers, {
      messages: [{ role: 'user', content: `What is it? ${PROMPT_MARKER}` }],
    })
    expect(res.status).toBe(200)
    const chunks = parseSse(await res.text())
    expect(textOf(chunks)).toBe('The answer is forty-two.')
    const credits = creditsOf(chunks)

    const entries = (await h.ledger.history(u.userId)).items
    const settle = entries.find((e) => e.kind === 'settle')!
    expect(settle.cost).toBe(credits.charged)
    expect(settle.finishReason).toBe('stop')
    expect(settle.estimated).toBe(false)
    // Tokens in the ledger = what the provider reported on RUN_FINISHED.
    const finished = chunks.find((c) => c.type === 'RUN_FINISHED') as { usage?: unknown } | undefined
    expect(finished).toBeDefined()
    expect(settle.tokensUsed).toBeGreaterThan(0)
    expect(settle.pools?.output).toBeGreaterThan(0)

    const balance = (await (
      await fetch(`${server.url}/api/credits`, { headers: u.headers })
    )
      .json()
      .then(loose)) as { credits: number }
    expect(balance).toMatchObject({ credits: 100 - credits.charged, held: 0 })
    expect(credits.balance).toBe(100 - credits.charged)
    // I2: the balance equals the sum of the ledger deltas.
    expect(entries.reduce((sum, e) => sum + e.delta, 0)).toBe(balance.credits)
  })

  it('a client disconnect mid-stream settles as aborted, estimated, with the tokens streamed so far', async () => {
    provider.make = () => demoTextAdapter({ replies: [words(400)], chunkDelayMs: 5 })
    const u = await h.user(100)
    const controller = new AbortController()
    const res = await post(
      '/api/chat',
      u.headers,
      { messages: [{ role: 'user', content: 'Talk a lot' }] },
      controller.signal,
    )
    expect(res.status).toBe(200)
    const reader = res.body!.getReader()
    let received = ''
    while (!received.includes('TEXT_MESSAGE_CONTENT') || received.split('TEXT_MESSAGE_CONTENT').length < 6) {
      const { value, done } = await reader.read()
      if (done) break
      received += new TextDecoder().decode(value)
    }
    controller.abort()

    const settle = await eventually(async () => {
      const items = (await h.ledger.history(u.userId)).items
      return items.find((e) => e.kind === 'settle')
    })
    expect(settle.finishReason).toBe('aborted')
    expect(settle.estimated).toBe(true)
    expect(settle.cost).toBeGreaterThan(0)
    expect(settle.pools?.output).toBeGreaterThanOrEqual(5)
    expect(settle.pools?.output).toBeLessThan(400)
    const balance = await h.ledger.balance(u.userId)
    expect(balance).toEqual({ credits: 100 - settle.cost, held: 0 })
  })

  it('50 concurrent chats from a user whose balance covers 10: exactly 10 stream, 40 get 402 before any provider call', async () => {
    // Measure one reservation with the exact request used below.
    provider.make = () => demoTextAdapter({ replies: ['ok'] })
    const body = { messages: [{ role: 'user', content: 'Concurrent hello' }], maxTokens: 300 }
    const probe = await h.user(1000)
    await (await post('/api/chat', probe.headers, body)).text()
    const hold = (await h.ledger.history(probe.userId)).items.find((e) => e.kind === 'hold')!
    const perChat = -hold.delta
    expect(perChat).toBeGreaterThan(0)

    // Streams wait at a gate until every response status is in, so no early settlement can free credits.
    let openGate!: () => void
    const gate = new Promise<void>((resolve) => {
      openGate = resolve
    })
    provider.make = () => {
      const inner = demoTextAdapter({ replies: ['ok'] })
      const gated = Object.create(inner) as typeof inner
      gated.chatStream = async function* (options) {
        await gate
        yield* inner.chatStream(options)
      }
      return gated
    }
    const u = await h.user(perChat * 10)
    provider.calls = 0
    const responses = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const res = await post('/api/chat', u.headers, body)
        if (res.status !== 200) return { status: res.status, body: await res.json().then(loose) }
        return { status: res.status, res }
      }),
    )
    const ok = responses.filter((r) => r.status === 200)
    const refused = responses.filter((r) => r.status === 402)
    expect(ok).toHaveLength(10)
    expect(refused).toHaveLength(40)
    expect(provider.calls).toBe(10)
    for (const r of refused)
      expect((r as { body: { error: { code: string } } }).body.error.code).toBe('insufficient_credits')
    expect(await h.ledger.balance(u.userId)).toEqual({ credits: 0, held: perChat * 10 })

    openGate()
    const charged = await Promise.all(
      ok.map(async (r) => creditsOf(parseSse(await (r as { res: Response }).res.text())).charged),
    )
    const balance = await h.ledger.balance(u.userId)
    expect(balance.held).toBe(0)
    expect(balance.credits).toBe(perChat * 10 - charged.reduce((a, b) => a + b, 0))
    const negative = await h.db.execute<{ n: string }>(
      sql`select count(*) as n from credit_logs where balance_after < 0`,
    )
    expect(Number(negative.rows[0]!.n)).toBe(0)
  })

  it('a tool loop charges web_search through the ledger and the model sees the result', async () => {
    provider.make = () =>
      demoTextAdapter({
        toolCalls: [{ name: 'web_search', args: { query: 'typst typesetting' } }],
        replies: ['Typst is a typesetting system.'],
      })
    const u = await h.user(100)
    const res = await post('/api/chat', u.headers, {
      messages: [{ role: 'user', content: 'What is Typst?' }],
    })
    const chunks = parseSse(await res.text())
    const toolResult = chunks.find((c) => c.type === 'TOOL_CALL_RESULT' || c.type === 'TOOL_CALL_END')
    expect(toolResult).toBeDefined()
    expect(JSON.stringify(chunks)).toContain('typst.app')
    const credits = creditsOf(chunks)
    const entries = (await h.ledger.history(u.userId)).items
    const search = entries.filter((e) => e.operation === 'web_search')
    expect(search).toHaveLength(1)
    expect(search[0]).toMatchObject({ kind: 'charge', cost: 1, delta: -1 })
    const settle = entries.find((e) => e.kind === 'settle')!
    expect(settle.cost).toBe(credits.charged)
    expect(await h.ledger.balance(u.userId)).toEqual({ credits: 100 - credits.charged - 1, held: 0 })
  })

  it('a provider error mid-stream settles the run as error and releases the rest of the hold', async () => {
    provider.make = () => demoTextAdapter({ replies: [words(50)], failAfterChunks: 5 })
    const u = await h.user(100)
    const res = await post('/api/chat', u.headers, { messages: [{ role: 'user', content: 'fail please' }] })
    expect(res.status).toBe(200)
    const chunks = parseSse(await res.text())
    expect(chunks.some((c) => c.type === 'RUN_ERROR')).toBe(true)
    const settle = await eventually(async () =>
      (await h.ledger.history(u.userId)).items.find((e) => e.kind === 'settle'),
    )
    expect(settle.finishReason).toBe('error')
    const balance = await h.ledger.balance(u.userId)
    expect(balance).toEqual({ credits: 100 - settle.cost, held: 0 })
  })

  it('one user cannot see or touch another user credits, usage or holds', async () => {
    provider.make = () => demoTextAdapter({ replies: ['mine'] })
    const a = await h.user(100)
    const b = await h.user(50)
    // Same Idempotency-Key from both users: scoped per user, so both run.
    for (const u of [a, b]) {
      const res = await fetch(`${server.url}/api/chat`, {
        method: 'POST',
        headers: { ...u.headers, ...JSON_HEADERS, 'idempotency-key': 'shared-key' },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
      })
      expect(res.status).toBe(200)
      await res.text()
    }
    const usageA = await (await fetch(`${server.url}/api/usage?limit=200`, { headers: a.headers }))
      .json()
      .then(loose)
    const usageB = await (await fetch(`${server.url}/api/usage?limit=200`, { headers: b.headers }))
      .json()
      .then(loose)
    const aIds = new Set((await h.ledger.history(a.userId, { limit: 200 })).items.map((e) => e.id))
    expect(usageA.items.every((e: { id: string }) => aIds.has(e.id))).toBe(true)
    expect(usageB.items.some((e: { id: string }) => aIds.has(e.id))).toBe(false)
    // A cursor from A's pages gives B only B's entries.
    const pageA = await (await fetch(`${server.url}/api/usage?limit=1`, { headers: a.headers }))
      .json()
      .then(loose)
    const viaCursor = await fetch(
      `${server.url}/api/usage?limit=50&cursor=${encodeURIComponent(pageA.nextCursor)}`,
      {
        headers: b.headers,
      },
    )
    if (viaCursor.status === 200) {
      const page = await viaCursor.json().then(loose)
      expect(page.items.some((e: { id: string }) => aIds.has(e.id))).toBe(false)
    } else expect(viaCursor.status).toBe(400)
    // B's key cannot reach admin routes to move A's credits or revoke A's keys.
    const grant = await post(`/api/admin/users/${a.userId}/credits`, b.headers, {
      amount: 1000,
      reason: 'x',
      idempotencyKey: 'x',
    })
    expect(grant.status).toBe(403)
    const revoke = await fetch(`${server.url}/api/admin/keys/${a.keyId}`, {
      method: 'DELETE',
      headers: b.headers,
    })
    expect(revoke.status).toBe(403)
    const credits = await (await fetch(`${server.url}/api/credits`, { headers: b.headers }))
      .json()
      .then(loose)
    expect(credits.credits).toBe((await h.ledger.balance(b.userId)).credits)
    expect((await h.ledger.balance(a.userId)).credits).toBeLessThan(100)
  })

  it('stores no plaintext key anywhere in the database', async () => {
    // A bodiless POST (no content-type), as curl -X POST sends it.
    const created = await fetch(`${server.url}/api/demo/session`, { method: 'POST' })
    expect(created.status).toBe(201)
    const session = await created.json().then(loose)
    const u = await h.user(5)
    const dump = await h.db.execute<{ row: string }>(sql`
      select row_to_json(t)::text as row from api_keys t
      union all select row_to_json(t)::text from users t
      union all select row_to_json(t)::text from credit_logs t
      union all select row_to_json(t)::text from credit_holds t`)
    const all = dump.rows.map((r) => r.row).join('\n')
    expect(all).toContain(u.userId)
    expect(all).not.toContain(u.key)
    expect(all).not.toContain(session.apiKey)
    // Not even the secret part after the public prefix.
    expect(all).not.toContain(u.key.slice(-24))
    // What is stored: a display prefix and a hash; using the key records last_used_at.
    await fetch(`${server.url}/api/credits`, { headers: u.headers })
    const row = await eventually(async () => {
      const r = await h.db.execute<{ prefix: string; key_hash: string; last_used_at: unknown }>(
        sql`select prefix, key_hash, last_used_at from api_keys where id = ${u.keyId}`,
      )
      return r.rows[0]?.last_used_at ? r.rows[0] : undefined
    })
    expect(u.key.startsWith(row.prefix)).toBe(true)
    expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/)
  })

  it('captured logs contain no key, no authorization header and no prompt text', async () => {
    const joined = h.logs.join('')
    expect(joined).toContain('"route":"/api/chat"')
    expect(joined).toContain('requestId')
    expect(joined.toLowerCase()).not.toContain('authorization')
    expect(joined).not.toContain('Bearer ')
    expect(joined).not.toMatch(/sk_10x_[A-Za-z0-9_-]{20,}/)
    expect(joined).not.toContain(PROMPT_MARKER)
    expect(joined).not.toContain('forty-two')
  })
})

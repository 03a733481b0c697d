/**
 * Every route and status code through `app.request()` (no server), on an in-memory PGlite database.
 */
import { createDb, migrate } from '@10xstudent/database'
import { demoTextAdapter } from '@10xstudent/metering/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../src/app'
import { testConfig } from '../src/config'
import type { AdapterFactory } from '../src/types'
import {
  ADMIN,
  createHarness,
  creditsOf,
  type Harness,
  JSON_HEADERS,
  type Json,
  parseSse,
  textOf,
} from './helpers'

let adapterCalls = 0
const countingAdapter: AdapterFactory = () => {
  adapterCalls++
  return demoTextAdapter({ replies: ['Hello from the demo model.'] })
}

let h: Harness
beforeAll(async () => {
  h = await createHarness({
    database: 'pglite',
    config: { demoMode: true, rateLimitRpm: 1000, maxConcurrentStreams: 10, lowCreditThreshold: 20 },
    createAdapter: countingAdapter,
  })
})
afterAll(() => h?.close())

const chatBody = (text: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ messages: [{ role: 'user', content: text }], ...extra })

async function json(res: Response) {
  expect(res.headers.get('content-type')).toMatch(/application\/json/)
  return (await res.json()) as Json
}

describe('health, readiness, metrics, request ids', () => {
  it('GET /healthz and /readyz answer 200 with a request id', async () => {
    const health = await h.app.request('/healthz')
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok' })
    expect(health.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    const ready = await h.app.request('/readyz')
    expect(ready.status).toBe(200)
  })

  it('keeps a well-formed incoming X-Request-Id and replaces a malformed one', async () => {
    const kept = await h.app.request('/healthz', { headers: { 'x-request-id': 'trace-1234567' } })
    expect(kept.headers.get('x-request-id')).toBe('trace-1234567')
    const replaced = await h.app.request('/healthz', { headers: { 'x-request-id': 'bad id <script>' } })
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('GET /metrics serves Prometheus text from the app registry', async () => {
    const res = await h.app.request('/metrics')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/plain/)
    const text = await res.text()
    for (const name of [
      'chat_requests_total',
      'chat_tokens_total',
      'credits_charged_total',
      'insufficient_credits_total',
      'active_holds',
      'settlement_failures_total',
      'http_request_duration_seconds',
    ]) {
      expect(text).toContain(name)
    }
  })

  it('unknown routes are 404 not_found JSON with a request id', async () => {
    const res = await h.app.request('/nope')
    expect(res.status).toBe(404)
    expect((await json(res)).error.code).toBe('not_found')
    expect(res.headers.get('x-request-id')).toBeTruthy()
  })
})

describe('authentication', () => {
  it('401 without, with a malformed and with an unknown credential', async () => {
    const cases: Array<Record<string, string>> = [
      {},
      { authorization: 'Basic abc' },
      { authorization: 'Bearer sk_10x_unknown' },
    ]
    for (const headers of cases) {
      const res = await h.app.request('/api/credits', { headers })
      expect(res.status).toBe(401)
      expect((await json(res)).error.code).toBe('unauthorized')
      expect(res.headers.get('www-authenticate')).toBe('Bearer')
      expect(res.headers.get('x-request-id')).toBeTruthy()
    }
  })

  it('a revoked key is refused', async () => {
    const u = await h.user(10)
    expect((await h.app.request('/api/credits', { headers: u.headers })).status).toBe(200)
    const revoke = await h.app.request(`/api/admin/keys/${u.keyId}`, { method: 'DELETE', headers: ADMIN })
    expect(revoke.status).toBe(200)
    expect((await h.app.request('/api/credits', { headers: u.headers })).status).toBe(401)
  })

  it('admin routes: 401 without credentials, 403 for a user key, 403 when the admin API is disabled', async () => {
    const u = await h.user(10)
    const none = await h.app.request('/api/admin/users', { method: 'POST' })
    expect(none.status).toBe(401)
    const asUser = await h.app.request('/api/admin/users', { method: 'POST', headers: u.headers })
    expect(asUser.status).toBe(403)
    expect((await json(asUser)).error.code).toBe('forbidden')
    const wrongAdmin = await h.app.request('/api/admin/users', {
      method: 'POST',
      headers: { authorization: 'Bearer admin-key-for-tests-0123456789abcdeX' },
    })
    expect(wrongAdmin.status).toBe(401)

    const noAdmin = createApp({
      config: testConfig({ adminApiKey: undefined }),
      ledger: h.ledger,
      apiKeys: h.apiKeys,
      logger: h.logger,
      ping: async () => {},
    })
    const disabled = await noAdmin.app.request('/api/admin/users', { method: 'POST', headers: ADMIN })
    expect(disabled.status).toBe(403)
  })
})

describe('credits, usage, models', () => {
  it('GET /api/credits reports credits, held, the threshold and low', async () => {
    const rich = await h.user(50)
    const poor = await h.user(5)
    expect(await json(await h.app.request('/api/credits', { headers: rich.headers }))).toEqual({
      credits: 50,
      held: 0,
      lowCreditThreshold: 20,
      low: false,
    })
    expect((await json(await h.app.request('/api/credits', { headers: poor.headers }))).low).toBe(true)
  })

  it('GET /api/usage pages through the caller entries with a cursor', async () => {
    const u = await h.user(10)
    for (let i = 0; i < 3; i++) {
      await h.ledger.grant({ userId: u.userId, amount: 1, idempotencyKey: `g${i}`, reason: 'test' })
    }
    const first = await json(await h.app.request('/api/usage?limit=2', { headers: u.headers }))
    expect(first.items).toHaveLength(2)
    expect(first.nextCursor).toEqual(expect.any(String))
    const second = await json(
      await h.app.request(`/api/usage?limit=2&cursor=${encodeURIComponent(first.nextCursor)}`, {
        headers: u.headers,
      }),
    )
    // 1 opening grant + 3 grants = 4 entries.
    expect(second.items).toHaveLength(2)
    const ids = [...first.items, ...second.items].map((e: { id: string }) => e.id)
    expect(new Set(ids).size).toBe(4)
    expect(first.items[0]).toMatchObject({ kind: 'grant', delta: 1, estimated: false })
  })

  it('GET /api/usage/summary returns one row per day', async () => {
    const u = await h.user(10)
    const body = await json(await h.app.request('/api/usage/summary?days=7', { headers: u.headers }))
    expect(body.days).toHaveLength(7)
    expect(body.days[0]).toEqual({
      day: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      credits: 0,
      tokens: 0,
      requests: 0,
    })
  })

  it('GET /api/models lists the demo model with prices, and Gemini models only with a key', async () => {
    const body = await json(await h.app.request('/api/models'))
    expect(body.defaultModel).toBe('demo-model')
    expect(body.models.map((m: { model: string }) => m.model)).toEqual(['demo-model'])
    expect(body.models[0]).toMatchObject({ demo: true, uncachedInput: 1000, output: 4000 })

    const withKey = createApp({
      config: testConfig({ geminiApiKey: 'test-key' }),
      ledger: h.ledger,
      apiKeys: h.apiKeys,
      logger: h.logger,
      ping: async () => {},
    })
    const models = (await json(await withKey.app.request('/api/models'))).models.map(
      (m: { model: string }) => m.model,
    )
    expect(models).toContain('gemini-2.5-flash')
  })
})

describe('POST /api/chat', () => {
  it('streams a metered reply that ends with the credits chunk; balance and ledger agree', async () => {
    const u = await h.user(100)
    const res = await h.app.request('/api/chat', {
      method: 'POST',
      headers: { ...u.headers, ...JSON_HEADERS },
      body: chatBody('Say hello', { usage: { promptTokens: 0 }, credits: 999_999, cost: 0 }),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/)
    expect(res.headers.get('x-request-id')).toBeTruthy()
    const chunks = parseSse(await res.text())
    expect(textOf(chunks)).toBe('Hello from the demo model.')
    expect(chunks.at(-1)).toMatchObject({ type: 'CUSTOM', name: 'credits' })
    const credits = creditsOf(chunks)
    expect(credits.charged).toBeGreaterThan(0)
    expect(credits.estimated).toBe(false)
    const balance = await h.ledger.balance(u.userId)
    expect(balance).toEqual({ credits: 100 - credits.charged, held: 0 })
    expect(credits.balance).toBe(balance.credits)
    const settle = (await h.ledger.history(u.userId)).items.find((e) => e.kind === 'settle')
    expect(settle).toMatchObject({ cost: credits.charged, model: 'demo-model', finishReason: 'stop' })
  })

  it('counts runs, tokens and credits in the metrics', async () => {
    const text = await (await h.app.request('/metrics')).text()
    expect(text).toMatch(/chat_requests_total\{model="demo-model",finish_reason="stop"\} [1-9]/)
    expect(text).toMatch(/chat_tokens_total\{model="demo-model",pool="output"\} [1-9]/)
    expect(text).toMatch(/credits_charged_total\{model="demo-model"\} [1-9]/)
    expect(text).toMatch(/active_holds 0/)
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="POST",route="\/api\/chat",status="200"\} [1-9]/,
    )
  })

  it('accepts the AG-UI body that fetchServerSentEvents sends (model in forwardedProps)', async () => {
    const u = await h.user(100)
    const body = {
      threadId: 'thread_1',
      runId: 'run_client_1',
      state: {},
      messages: [{ id: 'm1', role: 'user', content: 'Hi there' }],
      tools: [],
      context: [],
      forwardedProps: { model: 'demo-model', maxTokens: 300, credits: 1e9 },
      data: { model: 'demo-model' },
    }
    const res = await h.app.request('/api/chat', {
      method: 'POST',
      headers: { ...u.headers, ...JSON_HEADERS },
      body: JSON.stringify(body),
    })
    expect(res.status).toBe(200)
    const chunks = parseSse(await res.text())
    expect(chunks.find((c) => c.type === 'RUN_STARTED')).toMatchObject({ threadId: 'thread_1' })
    expect(creditsOf(chunks).charged).toBeGreaterThan(0)
  })

  it('402 insufficient_credits with required and balance, before any provider call', async () => {
    const u = await h.user(1)
    const before = adapterCalls
    const res = await h.app.request('/api/chat', {
      method: 'POST',
      headers: { ...u.headers, ...JSON_HEADERS },
      body: chatBody('Write an essay'),
    })
    expect(res.status).toBe(402)
    const body = await json(res)
    expect(body.error).toMatchObject({ code: 'insufficient_credits', balance: 1 })
    expect(body.error.required).toBeGreaterThan(1)
    expect(adapterCalls).toBe(before)
    expect(await h.ledger.balance(u.userId)).toEqual({ credits: 1, held: 0 })
    expect(await (await h.app.request('/metrics')).text()).toMatch(
      /insufficient_credits_total\{route="\/api\/chat"\} [1-9]/,
    )
  })

  it('409 idempotency_conflict when an Idempotency-Key is reused; keys are scoped per user', async () => {
    const a = await h.user(100)
    const b = await h.user(100)
    const send = (headers: Record<string, string>) =>
      h.app.request('/api/chat', {
        method: 'POST',
        headers: { ...headers, ...JSON_HEADERS, 'idempotency-key': 'same-key-1' },
        body: chatBody('Hello'),
      })
    const first = await send(a.headers)
    expect(first.status).toBe(200)
    await first.text()
    const before = adapterCalls
    const retry = await send(a.headers)
    expect(retry.status).toBe(409)
    expect((await json(retry)).error.code).toBe('idempotency_conflict')
    expect(adapterCalls).toBe(before)
    const other = await send(b.headers)
    expect(other.status).toBe(200)
    await other.text()
  })

  it('400 invalid_request with issues for a bad body, 400 for an unavailable model', async () => {
    const u = await h.user(100)
    const bad = await h.app.request('/api/chat', {
      method: 'POST',
      headers: { ...u.headers, ...JSON_HEADERS },
      body: JSON.stringify({ messages: [], maxTokens: -1 }),
    })
    expect(bad.status).toBe(400)
    const body = await json(bad)
    expect(body.error.code).toBe('invalid_request')
    expect(body.error.issues.map((i: { path: string[] }) => i.path[0]).sort()).toEqual([
      'maxTokens',
      'messages',
    ])
    const gemini = await h.app.request('/api/chat', {
      method: 'POST',
      headers: { ...u.headers, ...JSON_HEADERS },
      body: chatBody('Hi', { model: 'gemini-2.5-flash' }),
    })
    expect(gemini.status).toBe(400)
    expect((await json(gemini)).error.issues[0].path).toEqual(['model'])
  })

  it('413 payload_too_large above the body limit, 415 for a non-JSON body', async () => {
    const u = await h.user(100)
    const huge = await h.app.request('/api/chat', {
      method: 'POST',
      headers: { ...u.headers, ...JSON_HEADERS },
      body: chatBody('x'.repeat(h.config.bodyLimitBytes + 10)),
    })
    expect(huge.status).toBe(413)
    expect((await json(huge)).error.code).toBe('payload_too_large')
    const text = await h.app.request('/api/chat', {
      method: 'POST',
      headers: { ...u.headers, 'content-type': 'text/plain' },
      body: 'hello',
    })
    expect(text.status).toBe(415)
    expect((await json(text)).error.code).toBe('unsupported_media_type')
  })
})

describe('rate limits', () => {
  it('429 rate_limited with Retry-After past RATE_LIMIT_RPM', async () => {
    const limited = await createHarnessApp({ rateLimitRpm: 2 })
    const u = await h.user(10)
    const statuses = []
    let last: Response | undefined
    for (let i = 0; i < 3; i++) {
      last = await limited.app.request('/api/credits', { headers: u.headers })
      statuses.push(last.status)
    }
    expect(statuses).toEqual([200, 200, 429])
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect((await json(last!)).error.code).toBe('rate_limited')
  })

  it('429 when a user already has MAX_CONCURRENT_STREAMS open streams', async () => {
    const slow = await createHarnessApp({ maxConcurrentStreams: 1 }, () =>
      demoTextAdapter({ replies: ['one two three four five six seven eight'], chunkDelayMs: 30 }),
    )
    const u = await h.user(100)
    const send = () =>
      slow.app.request('/api/chat', {
        method: 'POST',
        headers: { ...u.headers, ...JSON_HEADERS },
        body: chatBody('Hi'),
      })
    const first = await send()
    expect(first.status).toBe(200)
    const second = await send()
    expect(second.status).toBe(429)
    // Retry-After: until the held slot would expire unrenewed (STREAM_SLOT_TTL_MS, 60 s by default).
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(Number(second.headers.get('retry-after'))).toBeLessThanOrEqual(60)
    await first.text()
    // The slot is free again once the first stream has ended.
    const third = await send()
    expect(third.status).toBe(200)
    await third.text()
  })
})

describe('admin routes', () => {
  it('creates a user with a key shown once, grants credits idempotently, issues and revokes keys', async () => {
    const created = await h.app.request('/api/admin/users', {
      method: 'POST',
      headers: { ...ADMIN, ...JSON_HEADERS },
      body: JSON.stringify({ userId: 'admin_made_1', credits: 7 }),
    })
    expect(created.status).toBe(201)
    const { user, apiKey } = await json(created)
    expect(user).toEqual({ id: 'admin_made_1', credits: 7 })
    expect(apiKey.key).toMatch(/^sk_10x_/)
    const auth = { authorization: `Bearer ${apiKey.key}` }
    expect((await json(await h.app.request('/api/credits', { headers: auth }))).credits).toBe(7)

    const again = await h.app.request('/api/admin/users', {
      method: 'POST',
      headers: { ...ADMIN, ...JSON_HEADERS },
      body: JSON.stringify({ userId: 'admin_made_1' }),
    })
    expect(again.status).toBe(409)

    const grant = (amount: number) =>
      h.app.request('/api/admin/users/admin_made_1/credits', {
        method: 'POST',
        headers: { ...ADMIN, ...JSON_HEADERS },
        body: JSON.stringify({ amount, reason: 'support refund', idempotencyKey: 'refund-1' }),
      })
    const first = await json(await grant(5))
    expect(first).toMatchObject({ balance: 12, entryId: expect.any(String), replayed: false })
    const replay = await json(await grant(5))
    expect(replay).toMatchObject({ balance: 12, entryId: first.entryId, replayed: true })
    const conflict = await grant(6)
    expect(conflict.status).toBe(409)
    expect((await json(conflict)).error.code).toBe('idempotency_conflict')

    const key = await h.app.request('/api/admin/users/admin_made_1/keys', {
      method: 'POST',
      headers: { ...ADMIN, ...JSON_HEADERS },
      body: JSON.stringify({ name: 'laptop' }),
    })
    expect(key.status).toBe(201)
    const second = (await json(key)).apiKey
    expect(second.name).toBe('laptop')
    const revoke = await h.app.request(`/api/admin/keys/${second.id}`, { method: 'DELETE', headers: ADMIN })
    expect(await json(revoke)).toEqual({ revoked: true, id: second.id })
    expect(
      (await h.app.request('/api/credits', { headers: { authorization: `Bearer ${second.key}` } })).status,
    ).toBe(401)
  })

  it('404 for an unknown user or key', async () => {
    const grant = await h.app.request('/api/admin/users/nobody_here/credits', {
      method: 'POST',
      headers: { ...ADMIN, ...JSON_HEADERS },
      body: JSON.stringify({ amount: 5, reason: 'x', idempotencyKey: 'k' }),
    })
    expect(grant.status).toBe(404)
    expect((await json(grant)).error.code).toBe('not_found')
    const key = await h.app.request('/api/admin/users/nobody_here/keys', { method: 'POST', headers: ADMIN })
    expect(key.status).toBe(404)
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const revoke = await h.app.request(`/api/admin/keys/${id}`, { method: 'DELETE', headers: ADMIN })
      expect(revoke.status).toBe(404)
    }
  })
})

describe('demo routes', () => {
  it('POST /api/demo/session creates a user with starting credits and a working key', async () => {
    const res = await h.app.request('/api/demo/session', { method: 'POST' })
    expect(res.status).toBe(201)
    const session = await json(res)
    expect(session).toEqual({
      userId: expect.stringMatching(/^demo_/),
      apiKey: expect.any(String),
      credits: 100,
    })
    const credits = await h.app.request('/api/credits', {
      headers: { authorization: `Bearer ${session.apiKey}` },
    })
    expect((await json(credits)).credits).toBe(100)
  })

  it('POST /api/demo/top-up adds a fixed amount once per idempotency key', async () => {
    const u = await h.user(3)
    const topUp = (key?: string) =>
      h.app.request('/api/demo/top-up', {
        method: 'POST',
        headers: { ...u.headers, ...JSON_HEADERS, ...(key ? { 'idempotency-key': key } : {}) },
        body: '{}',
      })
    expect(await json(await topUp('click-1'))).toMatchObject({ balance: 103, added: 100, replayed: false })
    expect(await json(await topUp('click-1'))).toMatchObject({ balance: 103, added: 0, replayed: true })
    expect((await json(await topUp('click-2'))).balance).toBe(203)
    const missing = await topUp()
    expect(missing.status).toBe(400)
    expect((await h.app.request('/api/demo/top-up', { method: 'POST' })).status).toBe(401)
  })

  it('demo routes do not exist without DEMO_MODE', async () => {
    const off = await createHarnessApp({ demoMode: false })
    const res = await off.app.request('/api/demo/session', { method: 'POST' })
    // Unauthenticated callers of unknown /api routes get 401, so nothing about the route leaks.
    expect([401, 404]).toContain(res.status)
    const u = await h.user(1)
    const authed = await off.app.request('/api/demo/top-up', {
      method: 'POST',
      headers: { ...u.headers, 'idempotency-key': 'k' },
    })
    expect(authed.status).toBe(404)
  })
})

describe('server-side failures', () => {
  it('500 internal carries only the request id (no stack, no message of the cause)', async () => {
    const broken = createApp({
      config: testConfig(),
      ledger: new Proxy(h.ledger, {
        get(target, prop, receiver) {
          if (prop === 'balance')
            return async () => {
              throw new Error('secret internal detail at /srv/app.js:12')
            }
          return Reflect.get(target, prop, receiver)
        },
      }),
      apiKeys: h.apiKeys,
      logger: h.logger,
      ping: async () => {},
    })
    const u = await h.user(1)
    const res = await broken.app.request('/api/credits', { headers: u.headers })
    expect(res.status).toBe(500)
    const body = await json(res)
    expect(body).toEqual({
      error: { code: 'internal', message: 'Internal error', requestId: res.headers.get('x-request-id') },
    })
    expect(JSON.stringify(body)).not.toContain('secret')
  })

  it('503 unavailable when the database is closed, on routes and on /readyz', async () => {
    const db = createDb({ pglite: 'memory' })
    await migrate(db)
    const { createLedger, createApiKeys, sql } = await import('@10xstudent/database')
    const app = createApp({
      config: testConfig(),
      ledger: createLedger(db) as never,
      apiKeys: createApiKeys(db) as never,
      logger: h.logger,
      ping: async () => {
        await db.execute(sql`select 1`)
      },
    }).app
    const ledger = createLedger(db)
    await ledger.ensureUser({ userId: 'closing', initialCredits: 1 })
    const key = await createApiKeys(db).create({ userId: 'closing', name: 'k' })
    await db.close()
    const ready = await app.request('/readyz')
    expect(ready.status).toBe(503)
    expect((await json(ready)).error.code).toBe('unavailable')
    const credits = await app.request('/api/credits', { headers: { authorization: `Bearer ${key.key}` } })
    expect(credits.status).toBe(503)
    expect((await json(credits)).error.code).toBe('unavailable')
  })
})

async function createHarnessApp(
  config: Partial<ReturnType<typeof testConfig>>,
  createAdapter?: AdapterFactory,
) {
  return createApp({
    config: testConfig({ adminApiKey: 'admin-key-for-tests-0123456789abcdef', ...config }),
    ledger: h.ledger,
    apiKeys: h.apiKeys,
    logger: h.logger,
    ping: async () => {},
    ...(createAdapter ? { createAdapter } : {}),
  })
}

describe('the built web app', () => {
  it('is served at / with an SPA fallback, never shadowing /api', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const dist = mkdtempSync(join(tmpdir(), 'web-dist-'))
    mkdirSync(join(dist, 'assets'))
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>10x</title><div id="root"></div>')
    writeFileSync(join(dist, 'assets', 'app.js'), 'console.log("app")')
    const web = await createHarnessApp({ webDistDir: dist })

    const index = await web.app.request('/')
    expect(index.status).toBe(200)
    expect(index.headers.get('content-type')).toMatch(/text\/html/)
    expect(await index.text()).toContain('id="root"')
    const asset = await web.app.request('/assets/app.js')
    expect(asset.headers.get('content-type')).toMatch(/javascript/)
    const route = await web.app.request('/usage/history')
    expect(await route.text()).toContain('id="root"')
    expect(route.headers.get('x-request-id')).toBeTruthy()

    const api = await web.app.request('/api/models')
    expect(api.headers.get('content-type')).toMatch(/application\/json/)
    const unknownApi = await web.app.request('/api/unknown', { headers: (await h.user(1)).headers })
    expect(unknownApi.status).toBe(404)
    expect(unknownApi.headers.get('content-type')).toMatch(/application\/json/)
    const traversal = await web.app.request('/..%2f..%2fetc/passwd')
    expect(await traversal.text()).not.toContain('root:')
  })
})

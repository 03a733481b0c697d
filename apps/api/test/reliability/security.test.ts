/**
 * Security against the real API process: tenant isolation on every route, key storage, credential checks
 * (API keys and JWTs), closed admin/demo routes, SQL metacharacters and oversized strings in every parameter,
 * error bodies and logs free of stacks, SQL, secrets and prompt text.
 */
import { createHash, generateKeyPairSync } from 'node:crypto'
import { sql } from '@10xstudent/database'
import { importPKCS8, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ADMIN_KEY,
  type ApiProcess,
  checkInvariants,
  createReliabilityDb,
  creditsOf,
  JSON_HEADERS,
  type Json,
  parseSse,
  pgUrl,
  postChat,
  type ReliabilityDb,
  rowCounts,
  startApi,
  stopAll,
  type TestUser,
} from './harness'

const ISSUER = 'https://issuer.reliability.test/'
const AUDIENCE = 'credits-api'
const PROMPT_SECRET = 'PROMPT-TEXT-zebra-quartz-4471'
const GEMINI_KEY = 'gemini-secret-key-never-logged-9931'

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()

async function jwt(
  claims: Record<string, unknown>,
  options: {
    key?: typeof privateKey
    alg?: string
    iss?: string
    aud?: string
    exp?: number
    nbf?: number
  } = {},
) {
  const key = await importPKCS8(
    (options.key ?? privateKey).export({ type: 'pkcs8', format: 'pem' }).toString(),
    'RS256',
  )
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'RS256' })
    .setIssuer(options.iss ?? ISSUER)
    .setAudience(options.aud ?? AUDIENCE)
    .setIssuedAt(now)
    .setNotBefore(options.nbf ?? now - 10)
    .setExpirationTime(options.exp ?? now + 300)
    .sign(key)
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

/** Everything that must never appear in a response body or a log line. */
const secrets = () => [
  ADMIN_KEY,
  GEMINI_KEY,
  PROMPT_SECRET,
  'BEGIN PUBLIC KEY',
  'postgres://',
  'postgresql://',
]
const LEAK =
  /\n\s+at |node_modules|\.ts:\d+|select .* from|insert into|update users|ledger_[a-z]+\(|syntax error/i

describe.skipIf(!pgUrl)('security', () => {
  let rdb: ReliabilityDb
  let api: ApiProcess
  let bare: ApiProcess
  let a: TestUser
  let b: TestUser
  const errorBodies: string[] = []
  const keys: string[] = []

  const call = async (target: ApiProcess, path: string, init: RequestInit = {}) => {
    const res = await fetch(`${target.url}${path}`, init)
    const text = await res.text()
    // Node's HTTP parser answers 431 (headers over 16 KiB) itself, with no body: nothing of ours to check.
    if (res.status >= 400 && res.status !== 431) errorBodies.push(text)
    return {
      status: res.status,
      text,
      json: (() => {
        try {
          return JSON.parse(text) as Json
        } catch {
          return {} as Json
        }
      })(),
    }
  }
  const as = (u: TestUser | string, extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${typeof u === 'string' ? u : u.key}`,
    ...extra,
  })

  beforeAll(async () => {
    rdb = await createReliabilityDb()
    const env = {
      DEMO_MODE: 'true',
      JWT_PUBLIC_KEY: pem.replace(/\n/g, '\\n'),
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      GEMINI_API_KEY: GEMINI_KEY,
      GEMINI_BASE_URL: 'http://127.0.0.1:9',
      STARTING_CREDITS: '25',
      LOG_LEVEL: 'debug',
    }
    ;[api, bare] = await Promise.all([
      startApi(rdb.appUrl, { env }),
      // Nothing optional configured: no admin key, no demo mode, no JWT.
      startApi(rdb.appUrl, { env: { ADMIN_API_KEY: '' } }),
    ])
    a = await rdb.user(100)
    b = await rdb.user(100)
    keys.push(a.key, b.key)
  })
  afterAll(async () => {
    await stopAll()
    await rdb?.drop()
  })

  it("one user cannot read or change another user's credits, usage, holds or keys (every route, foreign ids)", async () => {
    // B has history: a chat (a settled hold), a top-up, and an idempotency key of its own.
    const bChat = await postChat(
      api.url,
      b,
      { messages: [{ role: 'user', content: 'b private' }], maxTokens: 50 },
      {
        headers: { 'idempotency-key': 'shared-key-1' },
      },
    )
    expect(bChat.status).toBe(200)
    await bChat.text()
    const snapshot = async () =>
      (
        await rdb.owner.execute(sql`select (select credits from users where id = ${b.userId})::text as credits,
          (select count(*) from credit_logs where user_id = ${b.userId})::int as entries,
          (select count(*) from credit_holds where user_id = ${b.userId})::int as holds,
          (select count(*) from api_keys where user_id = ${b.userId} and revoked_at is null)::int as keys`)
      ).rows[0]
    const before = await snapshot()
    const bUsage = await call(api, '/api/usage?limit=1', { headers: as(b) })
    const bCursor = String(bUsage.json.nextCursor ?? '')
    const bEntryIds = new Set(
      (
        (await rdb.owner.execute(sql`select id from credit_logs where user_id = ${b.userId}`)).rows as Json[]
      ).map((r) => r.id),
    )

    // User routes take the user from the credential only: foreign ids anywhere else are ignored.
    for (const path of [
      `/api/credits?userId=${b.userId}`,
      `/api/credits?user_id=${b.userId}`,
      `/api/usage?userId=${b.userId}`,
      `/api/usage/summary?userId=${b.userId}`,
      `/api/usage?limit=50&cursor=${encodeURIComponent(bCursor)}`,
    ]) {
      const r = await call(api, path, { headers: as(a, { 'x-user-id': b.userId }) })
      expect([200, 400]).toContain(r.status)
      if (path.startsWith('/api/credits')) expect(r.json.credits).toBe(100)
      for (const item of (r.json.items ?? []) as Json[]) expect(bEntryIds.has(item.id), path).toBe(false)
    }
    // A chat naming B in the body, with B's idempotency key: charged to A, no conflict with B's key.
    const aChat = await postChat(
      api.url,
      a,
      { userId: b.userId, user: b.userId, messages: [{ role: 'user', content: 'a' }], maxTokens: 50 },
      {
        headers: { 'idempotency-key': 'shared-key-1', 'x-user-id': b.userId },
      },
    )
    expect(aChat.status).toBe(200)
    const aCredits = creditsOf(parseSse(await aChat.text()))!
    expect(aCredits.balance).toBe(100 - aCredits.charged)
    // A top-up naming B goes to A.
    const top = await call(api, '/api/demo/top-up', {
      method: 'POST',
      headers: as(a, { ...JSON_HEADERS, 'idempotency-key': 'iso-top-up' }),
      body: JSON.stringify({ userId: b.userId }),
    })
    expect(top.status).toBe(200)
    // Admin routes with A's user key, aimed at B: 403, nothing done.
    for (const [method, path, body] of [
      [
        'POST',
        `/api/admin/users/${b.userId}/credits`,
        { amount: 5, reason: 'steal', idempotencyKey: 'iso-1' },
      ],
      ['POST', `/api/admin/users/${b.userId}/keys`, {}],
      ['DELETE', `/api/admin/keys/${b.keyId}`, undefined],
      ['POST', '/api/admin/users', { userId: b.userId }],
    ] as const) {
      const r = await call(api, path, {
        method,
        headers: as(a, JSON_HEADERS),
        ...(body ? { body: JSON.stringify(body) } : {}),
      })
      expect(r.status, `${method} ${path}`).toBe(403)
      expect(r.json.error.code).toBe('forbidden')
    }
    expect(await snapshot()).toEqual(before)
    expect((await call(api, '/api/credits', { headers: as(b) })).status).toBe(200)
    await checkInvariants(rdb.owner)
  })

  it('keys are stored only as SHA-256 hashes; nothing in the database holds a plaintext key', async () => {
    const created = await call(api, '/api/admin/users', {
      method: 'POST',
      headers: as(ADMIN_KEY, JSON_HEADERS),
      body: JSON.stringify({ credits: 5 }),
    })
    expect(created.status).toBe(201)
    const key = String(created.json.apiKey.key)
    keys.push(key)
    expect(key).toMatch(/^sk_10x_/)
    expect(key.length).toBeGreaterThanOrEqual(40)
    const dump = (
      await rdb.owner.execute(sql`select (select coalesce(json_agg(t)::text, '') from api_keys t) ||
        (select coalesce(json_agg(t)::text, '') from users t) || (select coalesce(json_agg(t)::text, '') from credit_logs t) ||
        (select coalesce(json_agg(t)::text, '') from credit_holds t) as all`)
    ).rows[0] as { all: string }
    for (const k of keys) {
      expect(dump.all.includes(k)).toBe(false)
      expect(dump.all.includes(k.slice(7))).toBe(false)
      expect(dump.all.includes(createHash('sha256').update(k).digest('hex'))).toBe(true)
    }
  })

  it('revoked and malformed API keys are refused with 401', async () => {
    const c = await rdb.user(10)
    expect((await call(api, '/api/credits', { headers: as(c) })).status).toBe(200)
    expect(
      (await call(api, `/api/admin/keys/${c.keyId}`, { method: 'DELETE', headers: as(ADMIN_KEY) })).status,
    ).toBe(200)
    const malformed = [
      c.key, // revoked
      `${a.key}x`,
      a.key.slice(0, -1),
      a.key.toUpperCase(),
      'sk_10x_',
      `sk_10x_${'A'.repeat(43)}`,
      'x'.repeat(600),
      "sk_10x_' or '1'='1",
      'null',
      'undefined',
    ]
    for (const token of malformed) {
      const r = await call(api, '/api/credits', { headers: { authorization: `Bearer ${token}` } })
      expect(r.status, token.slice(0, 20)).toBe(401)
      expect(r.json.error.code).toBe('unauthorized')
    }
    for (const header of [
      '',
      'Bearer',
      'Bearer ',
      `Basic ${a.key}`,
      a.key,
      `Bearer ${a.key} extra`,
      `Token ${a.key}`,
    ]) {
      const r = await call(api, '/api/credits', { headers: { authorization: header } })
      expect(r.status, header.slice(0, 20)).toBe(401)
    }
  })

  it('JWTs: valid accepted; wrong signature, issuer, audience, expired, not yet valid, alg none, HS256 refused', async () => {
    const now = Math.floor(Date.now() / 1000)
    const good = await jwt({ sub: 'jwt_user_ok' })
    const ok = await call(api, '/api/credits', { headers: as(good) })
    expect(ok.status).toBe(200)
    expect(ok.json.credits).toBe(25)
    const before = await rowCounts(rdb.owner)
    const [h, p] = good.split('.')
    const refused: Array<[string, string]> = [
      ['wrong signature', await jwt({ sub: 'jwt_user_1' }, { key: other.privateKey })],
      [
        'tampered payload',
        `${h}.${b64({ sub: 'jwt_user_ok2', iss: ISSUER, aud: AUDIENCE, exp: now + 300 })}.${good.split('.')[2]}`,
      ],
      ['wrong issuer', await jwt({ sub: 'jwt_user_2' }, { iss: 'https://evil.example/' })],
      ['wrong audience', await jwt({ sub: 'jwt_user_3' }, { aud: 'another-api' })],
      ['expired', await jwt({ sub: 'jwt_user_4' }, { exp: now - 60, nbf: now - 600 })],
      ['not yet valid', await jwt({ sub: 'jwt_user_5' }, { nbf: now + 600 })],
      ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`],
      ['alg none with signature', `${b64({ alg: 'none' })}.${p}.${good.split('.')[2]}`],
      [
        'HS256 keyed with the public key',
        await new SignJWT({ sub: 'jwt_user_6' })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime(now + 300)
          .sign(new TextEncoder().encode(pem)),
      ],
      ['no sub', await jwt({})],
      ['sub with a NUL', await jwt({ sub: 'a\u0000b' })],
      ['sub 1000 chars', await jwt({ sub: 'u'.repeat(1000) })],
    ]
    for (const [name, token] of refused) {
      const r = await call(api, '/api/credits', { headers: as(token) })
      expect(r.status, name).toBe(401)
      expect(r.json.error.code, name).toBe('unauthorized')
    }
    // Refused tokens created no user.
    expect(await rowCounts(rdb.owner)).toEqual(before)
    // A process without JWT configuration refuses even a valid token.
    expect((await call(bare, '/api/credits', { headers: as(good) })).status).toBe(401)
  })

  it('admin and demo routes are closed when not configured', async () => {
    const before = await rowCounts(rdb.owner)
    for (const [method, path, headers] of [
      ['POST', '/api/admin/users', as(ADMIN_KEY, JSON_HEADERS)],
      ['POST', '/api/admin/users', JSON_HEADERS],
      ['POST', '/api/admin/users', as(a, JSON_HEADERS)],
      ['POST', `/api/admin/users/${a.userId}/credits`, as(ADMIN_KEY, JSON_HEADERS)],
      ['POST', `/api/admin/users/${a.userId}/keys`, as(ADMIN_KEY, JSON_HEADERS)],
      ['DELETE', `/api/admin/keys/${a.keyId}`, as(ADMIN_KEY)],
    ] as const) {
      const r = await call(bare, path, {
        method,
        headers,
        ...(method === 'POST' ? { body: '{"amount":5,"reason":"r","idempotencyKey":"k"}' } : {}),
      })
      expect([401, 403], `${method} ${path}`).toContain(r.status)
    }
    for (const path of ['/api/demo/session', '/api/demo/top-up']) {
      const r = await call(bare, path, {
        method: 'POST',
        headers: as(a, { ...JSON_HEADERS, 'idempotency-key': 'closed' }),
        body: '{}',
      })
      expect(r.status, path).toBe(404)
    }
    expect(await rowCounts(rdb.owner)).toEqual(before)
    expect((await call(api, `/api/credits`, { headers: as(a) })).status).toBe(200)
  })

  it('SQL metacharacters and oversized strings in every parameter are harmless', async () => {
    const nasty = [
      "'; drop table credit_logs; --",
      "' or '1'='1",
      '"; delete from users; --',
      '\\x00\\\\%_*?[]{}$1$2',
      '$$; truncate users; $$',
      '../../etc/passwd',
      '%27%3B%20drop%20table%20users',
      'x'.repeat(10_000),
    ]
    let requests = 0
    for (const v of nasty) {
      const q = encodeURIComponent(v)
      const hdr = v.length > 4000 ? v.slice(0, 4000) : v.replace(/[^\x20-\x7e]/g, '')
      const probes: Array<[ApiProcess, string, RequestInit]> = [
        [api, `/api/usage?limit=${q}`, { headers: as(a) }],
        [api, `/api/usage?cursor=${q}`, { headers: as(a) }],
        [api, `/api/usage/summary?days=${q}`, { headers: as(a) }],
        [api, `/api/credits?${q}=${q}`, { headers: as(a, { 'x-request-id': hdr }) }],
        [
          api,
          `/api/admin/users/${q}/credits`,
          {
            method: 'POST',
            headers: as(ADMIN_KEY, JSON_HEADERS),
            body: JSON.stringify({ amount: 1, reason: v, idempotencyKey: v.slice(0, 200) }),
          },
        ],
        [
          api,
          `/api/admin/users/${q}/keys`,
          { method: 'POST', headers: as(ADMIN_KEY, JSON_HEADERS), body: JSON.stringify({ name: v }) },
        ],
        [api, `/api/admin/keys/${q}`, { method: 'DELETE', headers: as(ADMIN_KEY) }],
        [
          api,
          '/api/admin/users',
          {
            method: 'POST',
            headers: as(ADMIN_KEY, JSON_HEADERS),
            body: JSON.stringify({ userId: v, keyName: v }),
          },
        ],
        [
          api,
          `/api/admin/users/${a.userId}/credits`,
          {
            method: 'POST',
            headers: as(ADMIN_KEY, JSON_HEADERS),
            body: JSON.stringify({ amount: 1, reason: v, idempotencyKey: v }),
          },
        ],
        [
          api,
          '/api/chat',
          {
            method: 'POST',
            headers: as(a, { ...JSON_HEADERS, 'idempotency-key': hdr }),
            body: JSON.stringify({ model: v, messages: [{ role: 'user', content: 'x' }] }),
          },
        ],
        [
          api,
          '/api/demo/top-up',
          { method: 'POST', headers: as(a, { ...JSON_HEADERS, 'idempotency-key': hdr }), body: '{}' },
        ],
        [api, '/api/credits', { headers: { authorization: `Bearer ${hdr}` } }],
      ]
      for (const [target, path, init] of probes) {
        requests++
        const r = await call(target, path, init)
        expect(r.status, `${path.slice(0, 60)} ${v.slice(0, 20)}`).toBeLessThan(500)
        if (r.status === 431) expect(r.text).toBe('')
        else if (r.status >= 400) expect(r.json.error?.code, `${r.status} ${path.slice(0, 60)}`).toBeTruthy()
      }
      // A prompt full of SQL is just a prompt.
      const chat = await postChat(api.url, a, { messages: [{ role: 'user', content: v }], maxTokens: 20 })
      requests++
      expect(chat.status).toBe(200)
      await chat.text()
    }
    expect(requests).toBeGreaterThanOrEqual(100)
    // Every table is still there and consistent.
    const tables = (
      await rdb.owner.execute(sql`select count(*)::int as n from information_schema.tables
      where table_schema = 'public' and table_name in ('users', 'credit_logs', 'credit_holds', 'api_keys')`)
    ).rows[0]
    expect(tables).toEqual({ n: 4 })
    await checkInvariants(rdb.owner)
  })

  it('no stack trace, SQL or secret in any error response', async () => {
    // An unreachable provider (GEMINI_BASE_URL points at a closed port) is a stream error, not a leak.
    const r = await postChat(api.url, a, {
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: PROMPT_SECRET }],
      maxTokens: 50,
    })
    expect(r.status).toBe(200)
    const text = await r.text()
    for (const s of secrets().filter((s) => s !== PROMPT_SECRET)) expect(text.includes(s), s).toBe(false)
    expect(text).not.toMatch(LEAK)
    expect(errorBodies.length).toBeGreaterThan(50)
    for (const body of errorBodies) {
      for (const s of secrets()) expect(body.includes(s), s).toBe(false)
      for (const k of keys) expect(body.includes(k)).toBe(false)
      expect(body).not.toMatch(LEAK)
      const json = JSON.parse(body) as Json
      expect(Object.keys(json)).toEqual(['error'])
      expect(typeof json.error.code).toBe('string')
    }
  })

  it('logs carry no secret, key, token or prompt text (captured stdout of both processes)', async () => {
    const c = await postChat(api.url, a, {
      messages: [{ role: 'user', content: `${PROMPT_SECRET} tell me` }],
      maxTokens: 30,
    })
    await c.text()
    await new Promise((r) => setTimeout(r, 300))
    const lines = [...api.stdout, ...api.stderr, ...bare.stdout, ...bare.stderr]
    expect(lines.length).toBeGreaterThan(50)
    const all = lines.join('\n')
    for (const s of secrets()) expect(all.includes(s), s).toBe(false)
    for (const k of keys) {
      expect(all.includes(k)).toBe(false)
      expect(all.includes(k.slice(7, 30))).toBe(false)
    }
    expect(all.toLowerCase()).not.toContain('authorization')
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/)
  })
})

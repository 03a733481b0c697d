/**
 * A corpus of malformed requests, kept as data: each must get a 4xx JSON error body and write nothing to
 * the ledger (row counts of every table are compared before and after). Real server, real PostgreSQL.
 */
import { demoTextAdapter } from '@10xstudent/metering/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN, createHarness, type Harness, listen, pgUrl, rowCounts } from './helpers'

interface Case {
  name: string
  method?: string
  path: string
  /** Raw body (string) or a value to JSON-encode. */
  body?: unknown
  raw?: string
  headers?: Record<string, string>
  /** `user` (a valid user key, the default), `admin`, or `none`. */
  as?: 'user' | 'admin' | 'none'
  status: number
  code: string
}

const msg = (content: unknown) => ({ messages: [{ role: 'user', content }] })
const HUGE = 'a'.repeat(1024 * 1024 + 100)

const CORPUS: Case[] = [
  { name: 'bad JSON', path: '/api/chat', raw: '{"messages": [', status: 400, code: 'invalid_request' },
  { name: 'JSON null', path: '/api/chat', raw: 'null', status: 400, code: 'invalid_request' },
  { name: 'JSON array', path: '/api/chat', raw: '[1,2]', status: 400, code: 'invalid_request' },
  { name: 'JSON string', path: '/api/chat', raw: '"hello"', status: 400, code: 'invalid_request' },
  { name: 'empty body', path: '/api/chat', raw: '', status: 400, code: 'invalid_request' },
  { name: 'no messages', path: '/api/chat', body: {}, status: 400, code: 'invalid_request' },
  { name: 'empty messages', path: '/api/chat', body: { messages: [] }, status: 400, code: 'invalid_request' },
  {
    name: 'messages not an array',
    path: '/api/chat',
    body: { messages: 'hi' },
    status: 400,
    code: 'invalid_request',
  },
  { name: 'content a number', path: '/api/chat', body: msg(42), status: 400, code: 'invalid_request' },
  { name: 'content empty', path: '/api/chat', body: msg(''), status: 400, code: 'invalid_request' },
  {
    name: 'role unknown',
    path: '/api/chat',
    body: { messages: [{ role: 'wizard', content: 'x' }] },
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'unknown model',
    path: '/api/chat',
    body: { ...msg('x'), model: 'gpt-9' },
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'prototype model name',
    path: '/api/chat',
    body: { ...msg('x'), model: '__proto__' },
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'model a number',
    path: '/api/chat',
    body: { ...msg('x'), model: 7 },
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'negative maxTokens',
    path: '/api/chat',
    body: { ...msg('x'), maxTokens: -5 },
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'zero maxTokens',
    path: '/api/chat',
    body: { ...msg('x'), maxTokens: 0 },
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'fractional maxTokens',
    path: '/api/chat',
    body: { ...msg('x'), maxTokens: 10.5 },
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'string maxTokens',
    path: '/api/chat',
    body: { ...msg('x'), maxTokens: '100' },
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'maxTokens above the model cap',
    path: '/api/chat',
    body: { ...msg('x'), maxTokens: 999_999 },
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'huge body',
    path: '/api/chat',
    raw: JSON.stringify(msg(HUGE)),
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'text/plain body',
    path: '/api/chat',
    raw: 'hello',
    headers: { 'content-type': 'text/plain' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'form body',
    path: '/api/chat',
    raw: 'a=1',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'AG-UI without messages array',
    path: '/api/chat',
    body: { threadId: 't', runId: 'r', messages: 'x', tools: [], context: [] },
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'AG-UI message without id',
    path: '/api/chat',
    body: { threadId: 't', runId: 'r', messages: [{ role: 'user', content: 'x' }], tools: [], context: [] },
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'AG-UI bad forwardedProps.maxTokens',
    path: '/api/chat',
    body: {
      threadId: 't',
      runId: 'r',
      messages: [{ id: '1', role: 'user', content: 'x' }],
      tools: [],
      context: [],
      forwardedProps: { maxTokens: -1 },
    },
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'Idempotency-Key too long',
    path: '/api/chat',
    body: msg('x'),
    headers: { 'idempotency-key': 'k'.repeat(300) },
    status: 400,
    code: 'invalid_request',
  },
  { name: 'no credential', path: '/api/chat', body: msg('x'), as: 'none', status: 401, code: 'unauthorized' },
  {
    name: 'garbage credential',
    path: '/api/chat',
    body: msg('x'),
    as: 'none',
    headers: { authorization: 'Bearer \u00ff\u00fe' },
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'forged JWT without JWT config',
    path: '/api/credits',
    method: 'GET',
    as: 'none',
    headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' },
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'bad cursor',
    path: '/api/usage?cursor=not-a-cursor',
    method: 'GET',
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'bad cursor (valid base64 of junk)',
    path: `/api/usage?cursor=${Buffer.from('["x","y"]').toString('base64url')}`,
    method: 'GET',
    status: 400,
    code: 'invalid_request',
  },
  { name: 'limit zero', path: '/api/usage?limit=0', method: 'GET', status: 400, code: 'invalid_request' },
  {
    name: 'limit too big',
    path: '/api/usage?limit=5000',
    method: 'GET',
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'limit not a number',
    path: '/api/usage?limit=1e2',
    method: 'GET',
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'summary days negative',
    path: '/api/usage/summary?days=-1',
    method: 'GET',
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'summary days too many',
    path: '/api/usage/summary?days=9999',
    method: 'GET',
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'grant negative amount',
    path: '/api/admin/users/USER/credits',
    as: 'admin',
    body: { amount: -5, reason: 'x', idempotencyKey: 'k1' },
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'grant fractional amount',
    path: '/api/admin/users/USER/credits',
    as: 'admin',
    body: { amount: 1.5, reason: 'x', idempotencyKey: 'k2' },
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'grant string amount',
    path: '/api/admin/users/USER/credits',
    as: 'admin',
    body: { amount: '5', reason: 'x', idempotencyKey: 'k3' },
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'grant huge amount',
    path: '/api/admin/users/USER/credits',
    as: 'admin',
    body: { amount: 1e300, reason: 'x', idempotencyKey: 'k4' },
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'grant without idempotency key',
    path: '/api/admin/users/USER/credits',
    as: 'admin',
    body: { amount: 5, reason: 'x' },
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'grant to unknown user',
    path: '/api/admin/users/nobody/credits',
    as: 'admin',
    body: { amount: 5, reason: 'x', idempotencyKey: 'k5' },
    status: 404,
    code: 'not_found',
  },
  {
    name: 'create user with negative credits',
    path: '/api/admin/users',
    as: 'admin',
    body: { credits: -1 },
    status: 400,
    code: 'invalid_request',
  },
  {
    name: 'create user with control chars in id',
    path: '/api/admin/users',
    as: 'admin',
    body: { userId: 'a\u0000b' },
    status: 400,
    code: 'invalid_request',
  },
  { name: 'user key on admin route', path: '/api/admin/users', body: {}, status: 403, code: 'forbidden' },
  {
    name: 'revoke malformed key id',
    path: '/api/admin/keys/%27%3B--',
    method: 'DELETE',
    as: 'admin',
    status: 404,
    code: 'not_found',
  },
  {
    name: 'top-up without idempotency key',
    path: '/api/demo/top-up',
    body: {},
    status: 400,
    code: 'invalid_request',
  },
  { name: 'unknown API route', path: '/api/nothing-here', method: 'GET', status: 404, code: 'not_found' },
]

describe.skipIf(!pgUrl)('malformed requests', () => {
  let h: Harness
  let server: { url: string; close(): Promise<void> }
  let user: Awaited<ReturnType<Harness['user']>>
  let providerCalls = 0

  beforeAll(async () => {
    h = await createHarness({
      database: 'postgres',
      config: { rateLimitRpm: 10_000, demoMode: true },
      createAdapter: () => {
        providerCalls++
        return demoTextAdapter()
      },
    })
    server = await listen(h.app)
    user = await h.user(100)
  })
  afterAll(async () => {
    await server?.close()
    await h?.close()
  })

  it('has at least 25 cases', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(25)
  })

  it.each(CORPUS)('$name -> $status $code, nothing written', async (c) => {
    const before = await rowCounts(h.db)
    const auth = c.as === 'none' ? {} : c.as === 'admin' ? ADMIN : { authorization: `Bearer ${user.key}` }
    const method = c.method ?? 'POST'
    const body = c.raw !== undefined ? c.raw : c.body !== undefined ? JSON.stringify(c.body) : undefined
    const res = await fetch(`${server.url}${c.path.replace('USER', user.userId)}`, {
      method,
      headers: { 'content-type': 'application/json', ...auth, ...c.headers },
      ...(body !== undefined && method !== 'GET' ? { body } : {}),
    })
    expect(res.status).toBe(c.status)
    expect(res.headers.get('content-type')).toMatch(/application\/json/)
    expect(res.headers.get('x-request-id')).toBeTruthy()
    const json = (await res.json()) as { error: { code: string; message: string } }
    expect(json.error.code).toBe(c.code)
    expect(json.error.message).toEqual(expect.any(String))
    expect(await rowCounts(h.db)).toEqual(before)
    expect(providerCalls).toBe(0)
  })

  it('the user balance is untouched after the whole corpus', async () => {
    expect(await h.ledger.balance(user.userId)).toEqual({ credits: 100, held: 0 })
  })
})

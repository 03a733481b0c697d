/**
 * The malformed-request corpus (malformed-corpus.ts) against the real API process over HTTP, connected as
 * the least-privilege app role: each request gets its documented 4xx JSON error and writes nothing (row
 * counts and the sum of balances are compared before and after every case).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ADMIN_KEY,
  type ApiProcess,
  createReliabilityDb,
  JSON_HEADERS,
  type Json,
  pgUrl,
  type ReliabilityDb,
  rowCounts,
  startApi,
  stopAll,
  type TestUser,
} from './harness'
import { BODY_LIMIT, MALFORMED_CORPUS } from './malformed-corpus'

describe.skipIf(!pgUrl)('malformed requests write nothing', () => {
  let rdb: ReliabilityDb
  let api: ApiProcess
  let u: TestUser

  beforeAll(async () => {
    rdb = await createReliabilityDb()
    api = await startApi(rdb.appUrl, { env: { DEMO_MODE: 'true', BODY_LIMIT_BYTES: String(BODY_LIMIT) } })
    u = await rdb.user(100)
  })
  afterAll(async () => {
    await stopAll()
    await rdb?.drop()
  })

  it(`the corpus has at least 40 cases across every route (${MALFORMED_CORPUS.length})`, () => {
    expect(MALFORMED_CORPUS.length).toBeGreaterThanOrEqual(40)
    const routes = new Set(MALFORMED_CORPUS.map((c) => c.path.split('?')[0]!.replace(u.userId, ':id')))
    for (const route of [
      '/api/chat',
      '/api/usage',
      '/api/usage/summary',
      '/api/credits',
      '/api/admin/users',
      '/api/admin/users/{{userId}}/credits',
      '/api/demo/top-up',
      '/api/demo/session',
    ])
      expect(routes, route).toContain(route)
  })

  it.each(MALFORMED_CORPUS.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const before = await rowCounts(rdb.owner)
    const auth: Record<string, string> =
      c.as === 'none' ? {} : { authorization: `Bearer ${c.as === 'admin' ? ADMIN_KEY : u.key}` }
    const hasBody = c.raw !== undefined || c.body !== undefined
    const res = await fetch(`${api.url}${c.path.replace('{{userId}}', u.userId)}`, {
      method: c.method ?? 'GET',
      headers: { ...auth, ...(hasBody ? JSON_HEADERS : {}), ...(c.headers ?? {}) } as Record<string, string>,
      ...(hasBody ? { body: c.raw ?? JSON.stringify(c.body) } : {}),
    })
    expect(res.status).toBe(c.status)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(res.headers.get('x-request-id')).toBeTruthy()
    const json = (await res.json()) as Json
    expect(json.error.code).toBe(c.code)
    expect(typeof json.error.message).toBe('string')
    if (c.code === 'invalid_request' && json.error.issues) expect(Array.isArray(json.error.issues)).toBe(true)
    expect(await rowCounts(rdb.owner)).toEqual(before)
  })
})

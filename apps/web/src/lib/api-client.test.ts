import { describe, expect, it } from 'vitest'
import { createApiClient } from './api-client'
import { ApiError } from './api-error'

/** A real `fetch`-shaped function answering from a table, recording what it was asked. */
function answering(routes: Record<string, () => Response>) {
  const calls: Array<{ url: string; init: RequestInit | undefined }> = []
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input)
    calls.push({ url, init })
    const route = routes[url.split('?')[0] as string]
    return route ? route() : new Response('{"error":{"code":"not_found","message":"nope"}}', { status: 404 })
  }) as typeof fetch
  return { fetchFn, calls }
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

describe('createApiClient', () => {
  it('sends the bearer key and unwraps list responses', async () => {
    const { fetchFn, calls } = answering({
      '/api/models': () =>
        json({ models: [{ model: 'demo-model', label: 'Demo', uncachedInput: 1, output: 4 }] }),
      '/api/usage/summary': () => json({ days: [{ day: '2026-12-04', credits: 1, tokens: 9, requests: 1 }] }),
    })
    const api = createApiClient(() => 'sk_test', { fetch: fetchFn })
    expect((await api.models()).map((m) => m.model)).toEqual(['demo-model'])
    expect(await api.usageSummary(7)).toEqual([{ day: '2026-12-04', credits: 1, tokens: 9, requests: 1 }])
    expect(new Headers(calls[0]?.init?.headers).get('authorization')).toBe('Bearer sk_test')
    expect(calls[1]?.url).toBe('/api/usage/summary?days=7')
  })

  it('passes the cursor and the idempotency key', async () => {
    const { fetchFn, calls } = answering({
      '/api/usage': () => json({ items: [], nextCursor: null }),
      '/api/demo/top-up': () => json({ balance: 150 }),
    })
    const api = createApiClient(() => 'k', { fetch: fetchFn })
    await api.usage(20, 'abc==')
    await api.topUp('key-1')
    expect(calls[0]?.url).toBe('/api/usage?limit=20&cursor=abc%3D%3D')
    const topUp = calls[1]?.init
    expect(topUp?.method).toBe('POST')
    expect(new Headers(topUp?.headers).get('idempotency-key')).toBe('key-1')
  })

  it('throws the API error and reports a 401 so a stale demo key can be replaced', async () => {
    let unauthorized = 0
    const { fetchFn } = answering({
      '/api/credits': () => json({ error: { code: 'unauthorized', message: 'Unknown API key' } }, 401),
    })
    const api = createApiClient(() => 'stale', { fetch: fetchFn, onUnauthorized: () => unauthorized++ })
    const err = await api.credits().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).code).toBe('unauthorized')
    expect(unauthorized).toBe(1)
    await expect(api.models()).rejects.toMatchObject({ status: 404, code: 'not_found' })
    expect(unauthorized).toBe(1)
  })
})

import { apiErrorFromResponse } from './api-error'
import type { CreditsResponse, ModelInfo, UsageDay, UsagePage } from './api-types'

/** A function that returns the current bearer key (read fresh on every call so a new session takes effect). */
export type KeyProvider = () => string | null

/**
 * A small typed client for the JSON routes of `apps/api`. Non-OK responses throw `ApiError`.
 *
 * @example
 * ```ts
 * const api = createApiClient(() => session.apiKey)
 * const { credits } = await api.credits()
 * ```
 */
export function createApiClient(
  getKey: KeyProvider,
  options: { fetch?: typeof fetch; onUnauthorized?: () => void } = {},
) {
  const fetchFn = options.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a))
  async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
    const headers = new Headers(init.headers)
    const key = getKey()
    if (key) headers.set('authorization', `Bearer ${key}`)
    if (init.body !== undefined) headers.set('content-type', 'application/json')
    const res = await fetchFn(path, { ...init, headers })
    if (!res.ok) {
      const err = await apiErrorFromResponse(res)
      // The stored key is gone (revoked, or the demo database was reset): let the app start over.
      if (res.status === 401) options.onUnauthorized?.()
      throw err
    }
    return (await res.json()) as T
  }

  return {
    credits: () => request<CreditsResponse>('/api/credits'),
    models: async (): Promise<ModelInfo[]> => {
      const body = await request<{ models: ModelInfo[] } | ModelInfo[]>('/api/models')
      return Array.isArray(body) ? body : body.models
    },
    usage: (limit: number, cursor?: string | null) => {
      const q = new URLSearchParams({ limit: String(limit) })
      if (cursor) q.set('cursor', cursor)
      return request<UsagePage>(`/api/usage?${q}`)
    },
    usageSummary: async (days: number): Promise<UsageDay[]> => {
      const body = await request<{ days: UsageDay[] } | UsageDay[]>(`/api/usage/summary?days=${days}`)
      return Array.isArray(body) ? body : body.days
    },
    /** Demo only: restore the balance; the idempotency key makes a double click top up once. */
    topUp: (idempotencyKey: string) =>
      request<{ balance?: number; credits?: number }>('/api/demo/top-up', {
        method: 'POST',
        headers: { 'idempotency-key': idempotencyKey },
        body: '{}',
      }),
  }
}

/** The client's type, for props and context. */
export type ApiClient = ReturnType<typeof createApiClient>

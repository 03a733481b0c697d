import { ApiError, apiErrorFromResponse } from './api-error'
import type { DemoSession } from './api-types'

/** Local-storage key of the visitor's credential. */
export const SESSION_STORAGE_KEY = '10xstudent.session'

/** What the browser keeps: the bearer key and whose it is. The key is the only credential; nothing else is stored. */
export interface StoredSession {
  userId: string
  apiKey: string
  /** True when the key came from `POST /api/demo/session` (so the demo top-up is offered). */
  demo: boolean
}

/**
 * Read the stored session, ignoring anything malformed (an old version, a hand-edited value).
 *
 * @example
 * ```ts
 * const session = readSession(window.localStorage)
 * ```
 */
export function readSession(storage: Pick<Storage, 'getItem'>): StoredSession | null {
  const raw = storage.getItem(SESSION_STORAGE_KEY)
  if (!raw) return null
  try {
    const value: unknown = JSON.parse(raw)
    if (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as StoredSession).apiKey === 'string' &&
      (value as StoredSession).apiKey.length > 0 &&
      typeof (value as StoredSession).userId === 'string'
    ) {
      const s = value as StoredSession
      return { userId: s.userId, apiKey: s.apiKey, demo: s.demo === true }
    }
  } catch {
    // fall through: a corrupt value is treated as no session
  }
  return null
}

/**
 * Persist a session.
 *
 * @example
 * ```ts
 * writeSession(localStorage, { userId: 'u1', apiKey: 'sk_...', demo: true })
 * ```
 */
export function writeSession(storage: Pick<Storage, 'setItem'>, session: StoredSession): void {
  storage.setItem(SESSION_STORAGE_KEY, JSON.stringify(session))
}

/** Forget the stored session (e.g. the API no longer knows the key). */
export function clearSession(storage: Pick<Storage, 'removeItem'>): void {
  storage.removeItem(SESSION_STORAGE_KEY)
}

/**
 * Create a demo user with starting credits. Fails with an {@link ApiError} (`not_found`) when the API is not in
 * demo mode, so the caller can ask for an API key instead.
 *
 * @example
 * ```ts
 * const session = await createDemoSession(fetch)
 * ```
 */
export async function createDemoSession(fetchFn: typeof fetch = fetch): Promise<StoredSession> {
  const res = await fetchFn('/api/demo/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  })
  if (!res.ok) throw await apiErrorFromResponse(res)
  const body = (await res.json()) as Partial<DemoSession>
  if (typeof body.apiKey !== 'string' || typeof body.userId !== 'string') {
    throw new ApiError(res.status, { code: 'bad_response', message: 'The demo session response had no key.' })
  }
  return { userId: body.userId, apiKey: body.apiKey, demo: true }
}

import { useCallback, useEffect, useState } from 'react'
import { ApiError } from './api-error'
import { clearSession, createDemoSession, readSession, type StoredSession, writeSession } from './session'

/** Where the visitor's credential stands. */
export type SessionState =
  | { status: 'loading' }
  | { status: 'ready'; session: StoredSession }
  /** The API is not in demo mode: the visitor must paste an API key. */
  | { status: 'needs-key'; error?: string }
  | { status: 'error'; error: string }

// One demo session per page load even under StrictMode's double effects: two POSTs would create two users.
let pending: Promise<StoredSession> | null = null

/**
 * The visitor's session: the stored key, or a new demo session on first visit (kept in local storage).
 *
 * @example
 * ```tsx
 * const { state, signIn, reset } = useSession()
 * if (state.status === 'ready') use(state.session.apiKey)
 * ```
 */
export function useSession() {
  const [state, setState] = useState<SessionState>(() => {
    const stored = readSession(window.localStorage)
    return stored ? { status: 'ready', session: stored } : { status: 'loading' }
  })

  useEffect(() => {
    if (state.status !== 'loading') return
    let live = true
    pending ??= createDemoSession().then((session) => {
      writeSession(window.localStorage, session)
      return session
    })
    pending.then(
      (session) => live && setState({ status: 'ready', session }),
      (err: unknown) => {
        pending = null
        if (!live) return
        if (err instanceof ApiError && (err.status === 404 || err.status === 403))
          setState({ status: 'needs-key' })
        else setState({ status: 'error', error: err instanceof Error ? err.message : String(err) })
      },
    )
    return () => {
      live = false
    }
  }, [state.status])

  /** Use an API key pasted by the visitor (non-demo deployments). */
  const signIn = useCallback((apiKey: string) => {
    const session: StoredSession = { userId: '', apiKey: apiKey.trim(), demo: false }
    writeSession(window.localStorage, session)
    setState({ status: 'ready', session })
  }, [])

  /** Forget the key (it was revoked, or the database was reset) and start over. */
  const reset = useCallback(() => {
    clearSession(window.localStorage)
    pending = null
    setState({ status: 'loading' })
  }, [])

  return { state, signIn, reset }
}

import { createContext, useContext } from 'react'
import type { ApiClient } from './api-client'
import type { StoredSession } from './session'

/** What every page needs: the typed client, the session and how to reset it. */
export interface ApiContextValue {
  api: ApiClient
  session: StoredSession
  resetSession: () => void
}

export const ApiContext = createContext<ApiContextValue | null>(null)

/**
 * Read the API context; only valid under the signed-in shell.
 *
 * @example
 * ```tsx
 * const { api } = useApi()
 * ```
 */
export function useApi(): ApiContextValue {
  const value = useContext(ApiContext)
  if (!value) throw new Error('useApi must be used inside <ApiContext.Provider>')
  return value
}

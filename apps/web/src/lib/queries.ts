import { type QueryClient, useQuery } from '@tanstack/react-query'
import { useApi } from './api-context'
import type { CreditsResponse } from './api-types'
import type { CreditsEvent } from './stream-meta'

/** Query keys, in one place so invalidation and `setQueryData` never drift from the hooks. */
export const queryKeys = {
  credits: ['credits'] as const,
  models: ['models'] as const,
  usage: ['usage'] as const,
  usagePage: (cursor: string | null) => ['usage', 'page', cursor] as const,
  usageSummary: (days: number) => ['usage', 'summary', days] as const,
}

/** The balance refreshes every 30 s; the stream's `credits` chunk updates it at once in between. */
export const CREDITS_REFETCH_MS = 30_000

/**
 * The caller's balance.
 *
 * @example
 * ```tsx
 * const { data } = useCredits()
 * ```
 */
export function useCredits() {
  const { api } = useApi()
  return useQuery({ queryKey: queryKeys.credits, queryFn: api.credits, refetchInterval: CREDITS_REFETCH_MS })
}

/**
 * The models the API offers now, with prices.
 *
 * @example
 * ```tsx
 * const { data: models } = useModels()
 * ```
 */
export function useModels() {
  const { api } = useApi()
  return useQuery({ queryKey: queryKeys.models, queryFn: api.models, staleTime: 5 * 60_000 })
}

/**
 * Apply a settlement from the stream to the cached balance immediately, then let the usage views refetch.
 *
 * @example
 * ```ts
 * applyCreditsEvent(queryClient, { charged: 3, balance: 97, held: 0, estimated: false })
 * ```
 */
export function applyCreditsEvent(queryClient: QueryClient, event: CreditsEvent): void {
  queryClient.setQueryData<CreditsResponse>(queryKeys.credits, (old) => {
    const threshold = old?.lowCreditThreshold ?? 0
    return {
      credits: event.balance,
      held: event.held,
      lowCreditThreshold: threshold,
      low: event.balance < threshold,
    }
  })
  void queryClient.invalidateQueries({ queryKey: queryKeys.usage })
}

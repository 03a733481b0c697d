import { formatNumber } from '../lib/format'
import { useCredits } from '../lib/queries'

/**
 * The always-visible balance. While a reply streams it shows a live "≈ −N" estimate of what that reply will
 * cost; below the API's threshold it turns red and says "Low credits".
 *
 * @example
 * ```tsx
 * <CreditBadge inFlight={streaming ? estimate : null} />
 * ```
 */
export function CreditBadge({ inFlight }: { inFlight: number | null }) {
  const { data, isPending, isError } = useCredits()

  if (isPending || !data) {
    return (
      <output
        className="inline-flex h-9 items-center gap-2 rounded-full border border-slate-200 bg-white px-3 text-sm text-slate-500"
        aria-live="polite"
      >
        {isError ? 'Balance unavailable' : 'Loading balance…'}
      </output>
    )
  }

  const low = data.low
  return (
    <output
      data-testid="credit-badge"
      data-balance={data.credits}
      data-low={low ? 'true' : 'false'}
      aria-live="polite"
      aria-label={`Balance ${data.credits} credits${low ? ', low credits' : ''}${inFlight ? `, about ${inFlight} in use by the current reply` : ''}`}
      className={`inline-flex h-9 items-center gap-2 rounded-full border px-3 text-sm font-medium shadow-sm transition-colors ${
        low ? 'border-red-300 bg-red-50 text-red-700' : 'border-slate-200 bg-white text-slate-800'
      }`}
    >
      <span aria-hidden="true" className={`size-2 rounded-full ${low ? 'bg-red-500' : 'bg-emerald-500'}`} />
      <span>
        <span data-testid="credit-balance" className="tabular-nums">
          {formatNumber(data.credits)}
        </span>{' '}
        <span className={low ? 'text-red-600' : 'text-slate-500'}>
          {data.credits === 1 ? 'credit' : 'credits'}
        </span>
      </span>
      {inFlight !== null && (
        <span
          data-testid="credit-inflight"
          className="rounded-full bg-indigo-50 px-2 py-0.5 text-xs font-semibold text-indigo-700 tabular-nums"
          title="Live estimate of the reply being generated; the exact charge replaces it when the reply settles."
        >
          ≈ −{formatNumber(inFlight)}
        </span>
      )}
      {low && (
        <span className="rounded-full bg-red-600 px-2 py-0.5 text-xs font-semibold text-white">
          Low credits
        </span>
      )}
    </output>
  )
}

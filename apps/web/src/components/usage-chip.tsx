import { finishReasonLabel, formatNumber, pluralCredits } from '../lib/format'
import type { TurnState } from '../lib/turns'

/**
 * The line under a reply: tokens, credits charged and finish reason, marked "estimated" when the charge was
 * estimated (a stopped reply). While the settlement is on its way it says so instead of guessing.
 *
 * @example
 * ```tsx
 * <UsageChip turn={turn} />
 * ```
 */
export function UsageChip({ turn }: { turn: TurnState }) {
  const { meta } = turn
  if (turn.status === 'streaming') return null
  if (turn.status === 'settling') {
    return (
      <p className="mt-2 text-xs text-slate-500" aria-live="polite" data-testid="usage-chip-pending">
        Settling the charge for the stopped reply…
      </p>
    )
  }
  const charged = turn.charge?.charged ?? null
  const tokens = turn.charge?.tokens ?? meta.totalTokens
  const estimated = turn.charge?.estimated ?? false
  const reason = meta.finishReason

  return (
    <div
      data-testid="usage-chip"
      data-charged={charged ?? ''}
      data-estimated={estimated ? 'true' : 'false'}
      data-finish-reason={reason ?? ''}
      className="mt-2 flex flex-wrap items-center gap-1.5 text-xs"
    >
      <Pill title={`${formatNumber(meta.inputTokens)} in · ${formatNumber(meta.outputTokens)} out`}>
        <span className="tabular-nums">{formatNumber(tokens)}</span> tokens
      </Pill>
      <Pill tone="indigo">
        {charged === null ? (
          'charge unavailable'
        ) : (
          <>
            <span data-testid="usage-chip-credits" className="tabular-nums">
              {charged}
            </span>{' '}
            {charged === 1 ? 'credit' : 'credits'}
          </>
        )}
      </Pill>
      {reason && (
        <Pill tone={reason === 'stop' || reason === 'tool-calls' ? 'slate' : 'amber'}>
          {finishReasonLabel(reason)}
        </Pill>
      )}
      {estimated && (
        <Pill
          tone="amber"
          title="The reply was cut short, so its tokens were estimated from the streamed text."
        >
          estimated
        </Pill>
      )}
      {turn.charge?.balance !== undefined && (
        <span className="text-slate-400">· balance {pluralCredits(turn.charge.balance)}</span>
      )}
    </div>
  )
}

function Pill(props: { children: React.ReactNode; tone?: 'slate' | 'indigo' | 'amber'; title?: string }) {
  const tone = {
    slate: 'bg-slate-100 text-slate-600',
    indigo: 'bg-indigo-50 text-indigo-700 font-semibold',
    amber: 'bg-amber-100 text-amber-800',
  }[props.tone ?? 'slate']
  return (
    <span title={props.title} className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 ${tone}`}>
      {props.children}
    </span>
  )
}

import type { TurnState } from '../lib/turns'

/**
 * Notices under a reply that did not end normally: truncated by the length limit, stopped by a content
 * filter, failed with an error, or stopped by the user.
 *
 * @example
 * ```tsx
 * <ReplyNotices turn={turn} />
 * ```
 */
export function ReplyNotices({ turn }: { turn: TurnState }) {
  const reason = turn.meta.finishReason
  if (turn.status === 'failed' || reason === 'error') {
    return (
      <Notice tone="red" testId="notice-error">
        <strong className="font-semibold">The reply failed.</strong> {turn.error ?? turn.meta.error ?? ''}{' '}
        Finished model calls were charged; the rest of the reservation was released.
      </Notice>
    )
  }
  if (reason === 'length') {
    return (
      <Notice tone="amber" testId="notice-length">
        <strong className="font-semibold">Truncated.</strong> The reply reached its output limit (or what your
        balance could cover) and was cut off.
      </Notice>
    )
  }
  if (reason === 'content-filter') {
    return (
      <Notice tone="amber" testId="notice-content-filter">
        <strong className="font-semibold">Stopped by the content filter.</strong> The provider declined to
        finish this reply.
      </Notice>
    )
  }
  if (reason === 'aborted' && turn.status !== 'settling') {
    return (
      <Notice tone="slate" testId="notice-stopped">
        You stopped this reply. You pay only for what was generated, estimated from the streamed text.
      </Notice>
    )
  }
  return null
}

function Notice(props: { tone: 'red' | 'amber' | 'slate'; testId: string; children: React.ReactNode }) {
  const tone = {
    red: 'border-red-200 bg-red-50 text-red-800',
    amber: 'border-amber-200 bg-amber-50 text-amber-900',
    slate: 'border-slate-200 bg-slate-50 text-slate-600',
  }[props.tone]
  return (
    <p
      role={props.tone === 'red' ? 'alert' : 'status'}
      data-testid={props.testId}
      className={`mt-2 rounded-lg border px-3 py-2 text-sm ${tone}`}
    >
      {props.children}
    </p>
  )
}

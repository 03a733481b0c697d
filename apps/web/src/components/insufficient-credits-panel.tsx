import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'
import { useApi } from '../lib/api-context'
import type { ApiError } from '../lib/api-error'
import { pluralCredits } from '../lib/format'
import { queryKeys } from '../lib/queries'
import { BlockedIcon } from './icons'

/**
 * The 402 panel: how many credits the message needed and how many are available; in demo mode a "Top up"
 * button. One idempotency key per panel, so a double click or a retried request tops up once.
 *
 * @example
 * ```tsx
 * {blocked && <InsufficientCreditsPanel error={blocked} onResolved={() => setBlocked(null)} />}
 * ```
 */
export function InsufficientCreditsPanel(props: {
  error: ApiError
  onResolved: () => void
  onDismiss: () => void
}) {
  const { api, session } = useApi()
  const queryClient = useQueryClient()
  const [idempotencyKey] = useState(() => crypto.randomUUID())
  const heading = useRef<HTMLHeadingElement>(null)
  const topUp = useMutation({
    mutationFn: () => api.topUp(idempotencyKey),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: queryKeys.credits })
      await queryClient.invalidateQueries({ queryKey: queryKeys.usage })
      props.onResolved()
    },
  })

  // Move focus to the panel so keyboard and screen-reader users learn why nothing was sent.
  useEffect(() => heading.current?.focus(), [])

  const { required, balance } = props.error.body
  return (
    <section
      data-testid="insufficient-credits"
      aria-labelledby="insufficient-title"
      className="rounded-2xl border border-red-200 bg-white p-5 shadow-sm"
    >
      <div className="flex items-start gap-3">
        <span className="grid size-9 shrink-0 place-items-center rounded-full bg-red-100 text-red-600">
          <BlockedIcon className="size-5" />
        </span>
        <div className="min-w-0 flex-1">
          <h2
            id="insufficient-title"
            ref={heading}
            tabIndex={-1}
            className="font-semibold text-slate-900 outline-none"
          >
            Not enough credits for this message
          </h2>
          <p className="mt-1 text-sm text-slate-600">
            Nothing was sent and nothing was charged. Your message is back in the box below.
          </p>
          <dl className="mt-3 grid max-w-sm grid-cols-2 gap-2 text-sm">
            <div className="rounded-lg bg-slate-50 p-2">
              <dt className="text-slate-500">Required</dt>
              <dd data-testid="required-credits" className="text-lg font-semibold tabular-nums">
                {required === undefined ? '—' : pluralCredits(required)}
              </dd>
            </div>
            <div className="rounded-lg bg-slate-50 p-2">
              <dt className="text-slate-500">Available</dt>
              <dd data-testid="available-credits" className="text-lg font-semibold tabular-nums">
                {balance === undefined ? '—' : pluralCredits(balance)}
              </dd>
            </div>
          </dl>
          <div className="mt-4 flex flex-wrap items-center gap-2">
            {session.demo ? (
              <button
                type="button"
                onClick={() => topUp.mutate()}
                disabled={topUp.isPending}
                className="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:opacity-60"
              >
                {topUp.isPending ? 'Topping up…' : 'Top up (demo)'}
              </button>
            ) : (
              <p className="text-sm text-slate-600">Ask an operator to grant you more credits.</p>
            )}
            <button
              type="button"
              onClick={props.onDismiss}
              className="rounded-lg px-3 py-2 text-sm font-medium text-slate-600 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-600"
            >
              Dismiss
            </button>
          </div>
          {topUp.isError && (
            <p role="alert" className="mt-2 text-sm text-red-700">
              Top-up failed: {topUp.error.message}
            </p>
          )}
        </div>
      </div>
    </section>
  )
}

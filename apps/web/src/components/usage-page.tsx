import { useQuery } from '@tanstack/react-query'
import { useId, useState } from 'react'
import { useApi } from '../lib/api-context'
import type { UsageDay } from '../lib/api-types'
import { fillDays } from '../lib/chart'
import {
  creditsCell,
  describeEntry,
  finishReasonLabel,
  formatDateTime,
  formatNumber,
  isChargeEntry,
} from '../lib/format'
import { queryKeys } from '../lib/queries'
import { BarChart } from './bar-chart'

const PAGE_SIZE = 20
const RANGES = [7, 14, 30] as const

/**
 * Usage history: totals and per-day charts of credits and tokens, then the caller's ledger, paginated.
 *
 * @example
 * ```tsx
 * <UsagePage />
 * ```
 */
export function UsagePage() {
  const [days, setDays] = useState<(typeof RANGES)[number]>(14)
  return (
    <div className="flex flex-col gap-6 py-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Usage</h1>
          <p className="text-sm text-slate-600">
            Every credit movement on your account, straight from the ledger.
          </p>
        </div>
        <RangePicker value={days} onChange={setDays} />
      </div>
      <Summary days={days} />
      <Ledger />
    </div>
  )
}

function RangePicker(props: { value: number; onChange: (d: (typeof RANGES)[number]) => void }) {
  const id = useId()
  return (
    <fieldset className="flex items-center gap-1 rounded-lg border border-slate-200 bg-white p-1 text-sm shadow-sm">
      <legend className="sr-only">Chart range</legend>
      {RANGES.map((d) => (
        <label
          key={d}
          htmlFor={`${id}-${d}`}
          className={`cursor-pointer rounded-md px-3 py-1 font-medium has-focus-visible:outline-2 has-focus-visible:outline-indigo-600 ${
            props.value === d ? 'bg-indigo-600 text-white' : 'text-slate-600 hover:bg-slate-100'
          }`}
        >
          <input
            id={`${id}-${d}`}
            type="radio"
            name={`${id}-range`}
            value={d}
            checked={props.value === d}
            onChange={() => props.onChange(d)}
            className="sr-only"
          />
          {d} days
        </label>
      ))}
    </fieldset>
  )
}

function Summary({ days }: { days: number }) {
  const { api } = useApi()
  const summary = useQuery({
    queryKey: queryKeys.usageSummary(days),
    queryFn: () => api.usageSummary(days),
  })

  if (summary.isPending) return <Placeholder>Loading usage…</Placeholder>
  if (summary.isError) return <ErrorNote message={summary.error.message} />

  const filled = fillDays<UsageDay>(summary.data, days, new Date(), (day) => ({
    day,
    credits: 0,
    tokens: 0,
    requests: 0,
  }))
  const totals = filled.reduce(
    (t, d) => ({
      credits: t.credits + d.credits,
      tokens: t.tokens + d.tokens,
      requests: t.requests + d.requests,
    }),
    { credits: 0, tokens: 0, requests: 0 },
  )

  return (
    <section aria-label="Summary" className="flex flex-col gap-4">
      <dl className="grid grid-cols-3 gap-3">
        <Stat label="Credits spent" value={totals.credits} testId="total-credits" />
        <Stat label="Tokens" value={totals.tokens} testId="total-tokens" />
        <Stat label="Requests" value={totals.requests} testId="total-requests" />
      </dl>
      <div className="grid gap-4 md:grid-cols-2">
        <BarChart
          title="Credits per day"
          unit="credits"
          color="#4f46e5"
          testId="chart-credits"
          data={filled.map((d) => ({ day: d.day, value: d.credits }))}
        />
        <BarChart
          title="Tokens per day"
          unit="tokens"
          color="#0ea5e9"
          testId="chart-tokens"
          data={filled.map((d) => ({ day: d.day, value: d.tokens }))}
        />
      </div>
    </section>
  )
}

function Stat(props: { label: string; value: number; testId: string }) {
  return (
    <div className="rounded-2xl border border-slate-200 bg-white p-3 shadow-sm sm:p-4">
      <dt className="text-xs font-medium text-slate-500 sm:text-sm">{props.label}</dt>
      <dd data-testid={props.testId} className="mt-1 text-lg font-semibold tabular-nums sm:text-2xl">
        {formatNumber(props.value)}
      </dd>
    </div>
  )
}

function Ledger() {
  const { api } = useApi()
  // Cursor pagination: remember the cursors of the pages already seen so "Newer" can go back.
  const [cursors, setCursors] = useState<Array<string | null>>([null])
  const cursor = cursors.at(-1) ?? null
  const page = useQuery({
    queryKey: queryKeys.usagePage(cursor),
    queryFn: () => api.usage(PAGE_SIZE, cursor),
    placeholderData: (prev) => prev,
  })
  const pageNumber = cursors.length

  return (
    <section
      aria-labelledby="ledger-title"
      className="rounded-2xl border border-slate-200 bg-white shadow-sm"
    >
      <div className="flex items-center justify-between gap-2 border-b border-slate-200 px-4 py-3">
        <h2 id="ledger-title" className="font-semibold">
          Ledger
        </h2>
        <span className="text-xs text-slate-500">Page {pageNumber}</span>
      </div>
      {page.isPending ? (
        <Placeholder>Loading entries…</Placeholder>
      ) : page.isError ? (
        <ErrorNote message={page.error.message} />
      ) : page.data.items.length === 0 ? (
        <Placeholder>No usage yet — send a message on the chat page.</Placeholder>
      ) : (
        <div className="overflow-x-auto">
          <table data-testid="ledger-table" className="w-full min-w-[600px] text-left text-sm">
            <caption className="sr-only">Ledger entries, newest first</caption>
            <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th scope="col" className="px-4 py-2 font-medium">
                  Time
                </th>
                <th scope="col" className="px-4 py-2 font-medium">
                  Operation
                </th>
                <th scope="col" className="hidden px-4 py-2 font-medium sm:table-cell">
                  Model
                </th>
                <th scope="col" className="px-4 py-2 text-right font-medium">
                  Tokens
                </th>
                <th scope="col" className="px-4 py-2 text-right font-medium">
                  Credits
                </th>
                <th scope="col" className="px-4 py-2 font-medium">
                  Finish
                </th>
                <th scope="col" className="px-4 py-2 text-right font-medium">
                  Balance after
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {page.data.items.map((e) => {
                const cell = creditsCell(e)
                const charge = isChargeEntry(e)
                return (
                  <tr
                    key={e.id}
                    data-testid="ledger-row"
                    data-kind={e.kind}
                    data-entry-id={e.id}
                    className={charge ? '' : 'text-slate-500'}
                  >
                    <td className="whitespace-nowrap px-4 py-2 tabular-nums">
                      {formatDateTime(e.createdAt)}
                    </td>
                    <td className="px-4 py-2">
                      <span className={charge ? 'font-medium text-slate-800' : ''}>{describeEntry(e)}</span>
                      {e.estimated && (
                        <span className="ml-2 rounded-full bg-amber-100 px-1.5 py-0.5 text-xs text-amber-800">
                          estimated
                        </span>
                      )}
                    </td>
                    <td className="hidden whitespace-nowrap px-4 py-2 text-slate-600 sm:table-cell">
                      {e.model ?? '—'}
                    </td>
                    <td className="px-4 py-2 text-right tabular-nums">
                      {e.tokensUsed ? formatNumber(e.tokensUsed) : '—'}
                    </td>
                    <td
                      className={`px-4 py-2 text-right font-medium tabular-nums ${
                        cell.tone === 'debit'
                          ? 'text-slate-900'
                          : cell.tone === 'credit'
                            ? 'text-emerald-700'
                            : ''
                      }`}
                    >
                      {cell.text}
                      {cell.note && (
                        <span className="block text-xs font-normal text-slate-400">{cell.note}</span>
                      )}
                    </td>
                    <td className="whitespace-nowrap px-4 py-2">
                      {charge ? finishReasonLabel(e.finishReason) : '—'}
                    </td>
                    <td className="px-4 py-2 text-right tabular-nums">{formatNumber(e.balanceAfter)}</td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
      <nav
        aria-label="Ledger pages"
        className="flex items-center justify-between gap-2 border-t border-slate-200 px-4 py-3"
      >
        <button
          type="button"
          onClick={() => setCursors((c) => c.slice(0, -1))}
          disabled={cursors.length <= 1}
          className="rounded-lg border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-indigo-600 disabled:opacity-40"
        >
          ← Newer
        </button>
        <button
          type="button"
          data-testid="ledger-older"
          onClick={() => {
            const next = page.data?.nextCursor
            if (next) setCursors((c) => [...c, next])
          }}
          disabled={!page.data?.nextCursor}
          className="rounded-lg border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-indigo-600 disabled:opacity-40"
        >
          Older →
        </button>
      </nav>
    </section>
  )
}

function Placeholder({ children }: { children: React.ReactNode }) {
  return <p className="px-4 py-8 text-center text-sm text-slate-500">{children}</p>
}

function ErrorNote({ message }: { message: string }) {
  return (
    <p role="alert" className="m-4 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
      Could not load usage: {message}
    </p>
  )
}

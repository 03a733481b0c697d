import type { FinishReason } from '@10xstudent/domain'

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 })

/**
 * A whole number with thousands separators; non-finite input renders as an em dash.
 *
 * @example
 * ```ts
 * formatNumber(12345) // '12,345'
 * ```
 */
export function formatNumber(value: number | null | undefined): string {
  return typeof value === 'number' && Number.isFinite(value) ? integer.format(value) : '—'
}

/**
 * A short axis label: 1200 -> "1.2K".
 *
 * @example
 * ```ts
 * formatCompact(1200) // '1.2K'
 * ```
 */
export function formatCompact(value: number): string {
  return Number.isFinite(value) ? compact.format(value) : '—'
}

/**
 * "1 credit" / "12 credits".
 *
 * @example
 * ```ts
 * pluralCredits(1) // '1 credit'
 * ```
 */
export function pluralCredits(value: number): string {
  return `${formatNumber(value)} ${value === 1 ? 'credit' : 'credits'}`
}

/**
 * A signed ledger delta: "+500", "−3", "0". Uses a real minus sign so columns line up.
 *
 * @example
 * ```ts
 * formatDelta(-3) // '−3'
 * ```
 */
export function formatDelta(delta: number): string {
  if (!Number.isFinite(delta)) return '—'
  if (delta > 0) return `+${formatNumber(delta)}`
  if (delta < 0) return `−${formatNumber(-delta)}`
  return '0'
}

const FINISH_LABELS: Record<FinishReason, string> = {
  stop: 'completed',
  length: 'truncated (length)',
  'tool-calls': 'tool calls',
  'content-filter': 'content filtered',
  error: 'error',
  aborted: 'stopped',
}

/**
 * Human label of a finish reason; unknown strings are shown as they are.
 *
 * @example
 * ```ts
 * finishReasonLabel('length') // 'truncated (length)'
 * ```
 */
export function finishReasonLabel(reason: string | null | undefined): string {
  if (!reason) return '—'
  return (FINISH_LABELS as Record<string, string>)[reason] ?? reason
}

const dateTime = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
})

/**
 * A ledger timestamp: "Dec 4, 19:59:02". Invalid dates render as an em dash.
 *
 * @example
 * ```ts
 * formatDateTime('2026-12-04T19:59:02Z')
 * ```
 */
export function formatDateTime(iso: string | Date): string {
  const d = iso instanceof Date ? iso : new Date(iso)
  return Number.isNaN(d.getTime()) ? '—' : dateTime.format(d)
}

/**
 * A day key "2026-12-04" as a short label "Dec 4" (read as UTC, the way the API groups days).
 *
 * @example
 * ```ts
 * formatDay('2026-12-04') // 'Dec 4'
 * ```
 */
export function formatDay(day: string): string {
  const d = new Date(`${day.slice(0, 10)}T00:00:00Z`)
  if (Number.isNaN(d.getTime())) return day
  return d.toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' })
}

const OPERATION_LABELS: Record<string, string> = {
  typst_generation: 'Chat reply',
  TYPST_GENERATION: 'Chat reply',
  chat: 'Chat reply',
  web_search: 'Web search',
  WEB_SEARCH: 'Web search',
  rag_query: 'Document search',
  RAG_QUERY: 'Document search',
  image_generation: 'Image',
  IMAGE_GENERATION: 'Image',
  pdf_export: 'PDF export',
  PDF_EXPORT: 'PDF export',
  save_document: 'Save document',
  SAVE_DOCUMENT: 'Save document',
  demo_top_up: 'Demo top-up',
}

const KIND_LABELS: Record<string, string> = {
  grant: 'Credits added',
  hold: 'Reserved for a reply',
  release: 'Reservation released',
  expire: 'Reservation expired',
  adjust: 'Adjustment',
}

/** Kinds that bill work done: their `cost` is what the user paid. */
const CHARGE_KINDS = new Set(['charge', 'settle'])

/** Kinds that only move credits in and out of a reservation; their operation says what it was for. */
const RESERVATION_KINDS = new Set(['hold', 'release', 'expire'])

/**
 * What a ledger row was for, in words: the operation for charges, the kind for reservations and grants.
 *
 * @example
 * ```ts
 * describeEntry({ kind: 'charge', operation: 'web_search' }) // 'Web search'
 * ```
 */
export function describeEntry(entry: { kind: string; operation: string | null }): string {
  if (RESERVATION_KINDS.has(entry.kind)) return KIND_LABELS[entry.kind] as string
  if (entry.operation && OPERATION_LABELS[entry.operation]) return OPERATION_LABELS[entry.operation] as string
  if (KIND_LABELS[entry.kind]) return KIND_LABELS[entry.kind] as string
  if (entry.operation) return entry.operation.replaceAll('_', ' ')
  return entry.kind.replaceAll('_', ' ')
}

/**
 * The "credits" cell of a ledger row: for a charge or settlement, the credits it cost (shown negative); for
 * anything else, the signed movement of the available balance.
 *
 * @example
 * ```ts
 * creditsCell({ kind: 'settle', delta: 7, cost: 3 }) // { text: '−3', tone: 'debit', note: '7 returned' }
 * creditsCell({ kind: 'grant', delta: 500, cost: 0 }) // { text: '+500', tone: 'credit' }
 * ```
 */
export function creditsCell(entry: { kind: string; delta: number; cost: number | null }): {
  text: string
  tone: 'debit' | 'credit' | 'neutral'
  /** For a settlement: the unused part of the reservation that went back to the balance. */
  note?: string
} {
  const charge = CHARGE_KINDS.has(entry.kind)
  const amount = charge ? -(entry.cost ?? 0) : entry.delta
  const cell = {
    text: formatDelta(amount),
    tone: amount < 0 ? 'debit' : amount > 0 ? 'credit' : 'neutral',
  } as const
  return charge && entry.kind === 'settle' && entry.delta > 0
    ? { ...cell, note: `${formatNumber(entry.delta)} returned` }
    : cell
}

/** True for rows that bill work (charges and settlements), as opposed to reservations and grants. */
export function isChargeEntry(entry: { kind: string }): boolean {
  return CHARGE_KINDS.has(entry.kind)
}

/**
 * The documented finish reasons plus `aborted` (the client went away or the run was stopped).
 * Exhaustive: a `switch` over it needs no default.
 */
export const FINISH_REASONS = ['stop', 'length', 'tool-calls', 'content-filter', 'error', 'aborted'] as const

/** A normalised finish reason. */
export type FinishReason = (typeof FINISH_REASONS)[number]

/** What TanStack AI emits in-process (`RUN_FINISHED.finishReason` / `metadata.tanstack.finishReason`). */
export type TanStackFinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | null

const MAP: Record<string, FinishReason> = {
  stop: 'stop',
  end_turn: 'stop',
  stop_sequence: 'stop',
  STOP: 'stop',
  length: 'length',
  max_tokens: 'length',
  MAX_TOKENS: 'length',
  tool_calls: 'tool-calls',
  'tool-calls': 'tool-calls',
  tool_use: 'tool-calls',
  function_call: 'tool-calls',
  content_filter: 'content-filter',
  'content-filter': 'content-filter',
  SAFETY: 'content-filter',
  RECITATION: 'content-filter',
  error: 'error',
  aborted: 'aborted',
  abort: 'aborted',
  cancelled: 'aborted',
}

/**
 * Map any finish reason (TanStack's `stop | length | content_filter | tool_calls | null`, the documented
 * `stop | length | tool-calls | content-filter | error`, and common provider spellings) onto {@link FinishReason}.
 * `null`/`undefined` mean the run ended without saying why, which is a normal stop; an unrecognised string
 * is reported as `stop` only if `fallback` says so (default `stop`).
 *
 * @example
 * ```ts
 * normalizeFinishReason('content_filter') // 'content-filter'
 * normalizeFinishReason(null) // 'stop'
 * ```
 */
export function normalizeFinishReason(
  reason: string | null | undefined,
  fallback: FinishReason = 'stop',
): FinishReason {
  if (reason === null || reason === undefined || reason === '') return fallback
  return MAP[reason] ?? MAP[reason.toLowerCase()] ?? fallback
}

/**
 * True when a finish reason deserves a warning in the logs (`length`, `content-filter`).
 *
 * @example
 * ```ts
 * isWarningFinishReason('length') // true
 * ```
 */
export function isWarningFinishReason(reason: FinishReason): boolean {
  return reason === 'length' || reason === 'content-filter'
}

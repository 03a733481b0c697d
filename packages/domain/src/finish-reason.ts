/**
 * The documented finish reasons plus `aborted` (the client went away or the run was stopped).
 * Exhaustive: a `switch` over it needs no default.
 */
export const FINISH_REASONS = ['stop', 'length', 'tool-calls', 'content-filter', 'error', 'aborted'] as const

/** A normalised finish reason. */
export type FinishReason = (typeof FINISH_REASONS)[number]

/** What TanStack AI emits in-process (`RUN_FINISHED.finishReason` / `metadata.tanstack.finishReason`). */
export type TanStackFinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | null

/**
 * Known spellings, lower-cased. A null-prototype object, so `toString`, `constructor` or `__proto__` can never
 * resolve to an `Object.prototype` member and leak a function out of {@link normalizeFinishReason}.
 */
const MAP: Readonly<Record<string, FinishReason>> = Object.assign(Object.create(null), {
  // stop
  stop: 'stop',
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  finish_reason_unspecified: 'stop',
  // length
  length: 'length',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  // tool calls
  tool_calls: 'tool-calls',
  'tool-calls': 'tool-calls',
  tool_use: 'tool-calls',
  function_call: 'tool-calls',
  // content filter (OpenAI, Anthropic `refusal`, Gemini safety family)
  content_filter: 'content-filter',
  'content-filter': 'content-filter',
  refusal: 'content-filter',
  safety: 'content-filter',
  recitation: 'content-filter',
  blocklist: 'content-filter',
  prohibited_content: 'content-filter',
  spii: 'content-filter',
  image_safety: 'content-filter',
  // error
  error: 'error',
  malformed_function_call: 'error',
  // aborted
  aborted: 'aborted',
  abort: 'aborted',
  cancelled: 'aborted',
  canceled: 'aborted',
})

/**
 * Map any finish reason (TanStack's `stop | length | content_filter | tool_calls | null`, the documented
 * `stop | length | tool-calls | content-filter | error`, and common provider spellings such as Gemini's
 * `MAX_TOKENS`/`SAFETY` or Anthropic's `end_turn`) onto {@link FinishReason}, case-insensitively.
 * `null`, `undefined`, `''`, a non-string and an unrecognised string all map to `fallback` (default `stop`:
 * a run that ended without saying why ended normally).
 *
 * @example
 * ```ts
 * normalizeFinishReason('content_filter') // 'content-filter'
 * normalizeFinishReason('MAX_TOKENS') // 'length'
 * normalizeFinishReason(null) // 'stop'
 * normalizeFinishReason('weird', 'error') // 'error'
 * ```
 */
export function normalizeFinishReason(
  reason: string | null | undefined,
  fallback: FinishReason = 'stop',
): FinishReason {
  if (typeof reason !== 'string' || reason === '') return fallback
  return MAP[reason.toLowerCase()] ?? fallback
}

/**
 * Like {@link normalizeFinishReason} but strict: `null`/`undefined`/`''` are a normal `stop`, a known
 * spelling is normalised, and anything else is `undefined` (so a validator can reject it instead of guessing).
 *
 * @example
 * ```ts
 * toFinishReason('STOP') // 'stop'
 * toFinishReason('bogus') // undefined
 * ```
 */
export function toFinishReason(value: unknown): FinishReason | undefined {
  if (value === null || value === undefined || value === '') return 'stop'
  if (typeof value !== 'string') return undefined
  return MAP[value.toLowerCase()]
}

/**
 * True when `value` is already a normalised {@link FinishReason}.
 *
 * @example
 * ```ts
 * isFinishReason('tool-calls') // true
 * isFinishReason('tool_calls') // false (normalise it first)
 * ```
 */
export function isFinishReason(value: unknown): value is FinishReason {
  return typeof value === 'string' && (FINISH_REASONS as readonly string[]).includes(value)
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

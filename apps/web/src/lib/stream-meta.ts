import { type FinishReason, normalizeFinishReason } from '@10xstudent/domain'

/** The value of the `credits` CUSTOM chunk the API emits after a run settles. */
export interface CreditsEvent {
  /** Whole credits charged for this reply (tools included). */
  charged: number
  /** Balance after settlement. */
  balance: number
  /** Credits still held by other in-flight replies. */
  held: number
  /** True when the charge was estimated from streamed text (aborted or the provider reported no usage). */
  estimated: boolean
}

/** Token counts of one model call or of a whole reply. */
export interface TokenCounts {
  inputTokens: number
  outputTokens: number
  totalTokens: number
}

/** A tool the model called during a reply. */
export interface ToolCallInfo {
  id: string
  name: string
}

/** Everything the UI shows under one assistant reply. */
export interface ReplyMeta extends TokenCounts {
  /** Model calls seen (an agent loop makes one per iteration). */
  modelCalls: number
  /** Normalised finish reason of the reply, `null` while it streams. */
  finishReason: FinishReason | null
  /** The settlement, once the `credits` chunk arrived. */
  credits: CreditsEvent | null
  toolCalls: ToolCallInfo[]
  /** Message of a `RUN_ERROR`, if any. */
  error: string | null
}

/**
 * Read the `credits` CUSTOM chunk; anything else (other chunks, a malformed value) yields `null`.
 * Credits must be whole numbers: a float or a string is rejected rather than shown.
 *
 * @example
 * ```ts
 * parseCreditsChunk({ type: 'CUSTOM', name: 'credits', value: { charged: 3, balance: 97, held: 0, estimated: false } })
 * // { charged: 3, balance: 97, held: 0, estimated: false }
 * ```
 */
export function parseCreditsChunk(chunk: unknown): CreditsEvent | null {
  if (!isRecord(chunk) || chunk.type !== 'CUSTOM' || chunk.name !== 'credits') return null
  const value = chunk.value
  if (!isRecord(value)) return null
  const { charged, balance } = value
  if (!isCount(charged) || !isCount(balance)) return null
  return {
    charged,
    balance,
    held: isCount(value.held) ? value.held : 0,
    estimated: value.estimated === true,
  }
}

/**
 * Token counts of a `RUN_FINISHED` (or `RUN_ERROR`) chunk in any of the shapes TanStack AI uses: in-process
 * `TokenUsage` (`promptTokens`/`completionTokens`), the AG-UI wire array (`[{ inputTokens, outputTokens }]`)
 * or a plain `{ inputTokens, outputTokens }`. `null` when the chunk carries no usage.
 *
 * @example
 * ```ts
 * usageOf({ type: 'RUN_FINISHED', usage: [{ inputTokens: 10, outputTokens: 5, totalTokens: 15 }] })
 * // { inputTokens: 10, outputTokens: 5, totalTokens: 15 }
 * ```
 */
export function usageOf(chunk: unknown): TokenCounts | null {
  if (!isRecord(chunk)) return null
  const raw = chunk.usage
  const entries = Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw]
  let found = false
  const sum: TokenCounts = { inputTokens: 0, outputTokens: 0, totalTokens: 0 }
  for (const entry of entries) {
    if (!isRecord(entry)) continue
    const input = firstCount(entry.inputTokens, entry.promptTokens)
    const output = firstCount(entry.outputTokens, entry.completionTokens)
    if (input === undefined && output === undefined) continue
    found = true
    const total = firstCount(entry.totalTokens) ?? (input ?? 0) + (output ?? 0)
    sum.inputTokens += input ?? 0
    sum.outputTokens += output ?? 0
    sum.totalTokens += total
  }
  return found ? sum : null
}

/**
 * The raw finish reason of a `RUN_FINISHED`: top level on the client, `metadata.tanstack.finishReason` in
 * process, so both are read.
 *
 * @example
 * ```ts
 * rawFinishReasonOf({ type: 'RUN_FINISHED', finishReason: 'length' }) // 'length'
 * ```
 */
export function rawFinishReasonOf(chunk: unknown): string | null {
  if (!isRecord(chunk)) return null
  if (typeof chunk.finishReason === 'string') return chunk.finishReason
  const meta = isRecord(chunk.metadata) && isRecord(chunk.metadata.tanstack) ? chunk.metadata.tanstack : null
  return meta && typeof meta.finishReason === 'string' ? meta.finishReason : null
}

/**
 * Accumulate the chunks of one reply into what its usage chip shows. Usage is summed over every model call
 * (the last `RUN_FINISHED` alone under-counts an agent loop); an error wins over any finish reason.
 *
 * @example
 * ```ts
 * const meter = createReplyMeter()
 * for (const chunk of chunks) meter.observe(chunk)
 * meter.snapshot().credits?.charged
 * ```
 */
export function createReplyMeter() {
  const meta: ReplyMeta = {
    inputTokens: 0,
    outputTokens: 0,
    totalTokens: 0,
    modelCalls: 0,
    finishReason: null,
    credits: null,
    toolCalls: [],
    error: null,
  }
  let lastReason: string | null = null

  return {
    /** Feed one stream chunk; returns the settlement when this chunk was the `credits` chunk. */
    observe(chunk: unknown): CreditsEvent | null {
      if (!isRecord(chunk)) return null
      switch (chunk.type) {
        case 'RUN_FINISHED': {
          const usage = usageOf(chunk)
          if (usage) {
            meta.inputTokens += usage.inputTokens
            meta.outputTokens += usage.outputTokens
            meta.totalTokens += usage.totalTokens
            meta.modelCalls += 1
          }
          lastReason = rawFinishReasonOf(chunk) ?? lastReason
          if (meta.error === null) meta.finishReason = normalizeFinishReason(lastReason)
          return null
        }
        case 'RUN_ERROR': {
          const usage = usageOf(chunk)
          if (usage) {
            meta.inputTokens += usage.inputTokens
            meta.outputTokens += usage.outputTokens
            meta.totalTokens += usage.totalTokens
          }
          meta.error = errorMessageOf(chunk)
          meta.finishReason = 'error'
          return null
        }
        case 'TOOL_CALL_START': {
          const id = typeof chunk.toolCallId === 'string' ? chunk.toolCallId : String(meta.toolCalls.length)
          const name = typeof chunk.toolCallName === 'string' ? chunk.toolCallName : chunk.toolName
          if (typeof name === 'string' && !meta.toolCalls.some((t) => t.id === id)) {
            meta.toolCalls.push({ id, name })
          }
          return null
        }
        case 'CUSTOM': {
          const credits = parseCreditsChunk(chunk)
          if (credits) meta.credits = credits
          return credits
        }
        default:
          return null
      }
    },
    /** Mark the reply as stopped by the user before it finished. */
    abort(): void {
      if (meta.finishReason === null || meta.credits === null) meta.finishReason = 'aborted'
    },
    snapshot(): ReplyMeta {
      return { ...meta, toolCalls: [...meta.toolCalls], credits: meta.credits ? { ...meta.credits } : null }
    },
  }
}

/** The meter's type. */
export type ReplyMeter = ReturnType<typeof createReplyMeter>

function errorMessageOf(chunk: Record<string, unknown>): string {
  if (typeof chunk.message === 'string' && chunk.message) return chunk.message
  if (isRecord(chunk.error) && typeof chunk.error.message === 'string') return chunk.error.message
  return 'The model returned an error.'
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function firstCount(...values: unknown[]): number | undefined {
  for (const v of values) if (isCount(v)) return v
  return undefined
}

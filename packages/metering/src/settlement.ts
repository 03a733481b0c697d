import type { FinishReason, UsagePools } from '@10xstudent/domain'

/**
 * The outcome of metering one run: what it used, what it cost and what the ledger did.
 * Exactly one is produced per run, whatever way the run ended.
 */
export interface Settlement {
  runId: string
  userId: string
  holdId: string | null
  model: string
  /** Whole credits taken from the user. */
  charged: number
  /** Credits the run cost but were not taken (beyond the hold, or more than the balance had). */
  shortfall: number
  /** Available balance after settling (0 when `status` is `failed`: unknown). */
  balance: number
  /** Credits still in the user's active holds after settling (0 when `status` is `failed`). */
  held: number
  /** True when any model call's usage was estimated from the streamed text with the tokenizer. */
  estimated: boolean
  finishReason: FinishReason
  /** Token pools summed over every model call of the run. */
  pools: UsagePools
  /** The exact cost in micro-credits before rounding (and before any cap by the hold). */
  costMicros: number
  priceVersion: string
  /** Model calls that were billed (an agent loop has one per iteration). */
  modelCalls: number
  durationMs: number
  /** `settled`, or `failed` when the ledger could not be reached after every retry (hold left for the sweeper). */
  status: 'settled' | 'failed'
  /** Whole credits the usage cost, before any cap by the hold. */
  cost: number
  promptTokens: number
  completionTokens: number
  totalTokens: number
  /** True when the run paused for a tool approval or a client tool. */
  paused: boolean
  /** True when metering stopped the agent loop because the hold could not cover another call. */
  stoppedForBudget: boolean
  /** True when the ledger replayed an earlier settlement with the same idempotency key. */
  replayed: boolean
  /** Attempts made against the ledger. */
  attempts: number
  /** The last ledger error, when `status` is `failed`. */
  error?: string
}

/** Name of the CUSTOM chunk emitted after settlement. */
export const CREDITS_EVENT_NAME = 'credits'

/** The value of the `credits` CUSTOM chunk. */
export interface CreditsEventValue {
  charged: number
  balance: number
  held: number
  estimated: boolean
}

/** The `credits` CUSTOM chunk, shaped as `@tanstack/ai`'s `CustomEvent` (what `ctx.emitCustomEvent` builds). */
export interface CreditsChunk {
  type: 'CUSTOM'
  name: typeof CREDITS_EVENT_NAME
  value: CreditsEventValue
  timestamp: number
}

/**
 * Build the `credits` chunk for a settlement.
 *
 * @example
 * ```ts
 * if (chunk.type === 'CUSTOM' && chunk.name === 'credits') setBalance(chunk.value.balance)
 * ```
 */
export function creditsChunkOf(settlement: Settlement): CreditsChunk {
  return {
    type: 'CUSTOM',
    name: CREDITS_EVENT_NAME,
    value: creditsValueOf(settlement),
    timestamp: Date.now(),
  }
}

export function creditsValueOf(settlement: Settlement): CreditsEventValue {
  return {
    charged: settlement.charged,
    balance: settlement.balance,
    held: settlement.held,
    estimated: settlement.estimated,
  }
}

/**
 * Token usage normalisation. Providers count overlapping things: OpenAI's prompt tokens include cached ones,
 * Anthropic's exclude cache reads and writes, Gemini's completion tokens exclude reasoning. Billing needs
 * non-overlapping pools, so each convention is mapped explicitly.
 *
 * Invariants of a {@link UsagePools}: every pool is a whole number >= 0, and for consistent provider input
 * the pools add up to the provider's total without double counting.
 */

import { InvalidArgumentError } from './errors'

/** How a provider's `TokenUsage` fields overlap. */
export type UsageConvention = 'openai' | 'anthropic' | 'gemini'

/** Non-overlapping token pools; each is priced separately. */
export interface UsagePools {
  /** Input tokens billed at the full input price. */
  uncachedInput: number
  /** Input tokens read from a prompt cache. */
  cachedInput: number
  /** Input tokens written to a prompt cache. */
  cacheWrite: number
  /** Visible output tokens (excluding reasoning). */
  output: number
  /** Reasoning / thinking tokens. */
  reasoning: number
}

/** The TanStack AI `TokenUsage` fields we read (structurally compatible with `@tanstack/ai`'s type). */
export interface TokenUsageLike {
  promptTokens?: number
  completionTokens?: number
  totalTokens?: number
  promptTokensDetails?: { cachedTokens?: number; cacheWriteTokens?: number } | undefined
  completionTokensDetails?: { reasoningTokens?: number } | undefined
  providerUsageDetails?: Record<string, unknown> | undefined
}

/** One item of the AG-UI `usage[]` array (the form `RUN_FINISHED.usage` takes over SSE). */
export interface SpecUsageLike {
  provider?: string
  model?: string
  inputTokens?: number
  outputTokens?: number
  totalTokens?: number
  reasoningTokens?: number
  cachedInputTokens?: number
}

/** Zero in every pool. */
export const EMPTY_POOLS: Readonly<UsagePools> = Object.freeze({
  uncachedInput: 0,
  cachedInput: 0,
  cacheWrite: 0,
  output: 0,
  reasoning: 0,
})

/** The pool names, in a fixed order (used for logs, metrics and SQL columns). */
export const POOL_NAMES = ['uncachedInput', 'cachedInput', 'cacheWrite', 'output', 'reasoning'] as const
export type PoolName = (typeof POOL_NAMES)[number]

/**
 * A count as a safe whole number >= 0. Providers are trusted for magnitudes but not for shape: negative, NaN,
 * missing or non-numeric counts become 0, fractions are floored, and anything past 2^53 is capped so every
 * pool stays a safe integer (pricing then fails loudly rather than rounding silently).
 */
function count(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return 0
  return Math.min(Math.floor(value), Number.MAX_SAFE_INTEGER)
}

/**
 * Turn a provider's usage (TanStack `TokenUsage`, or the AG-UI `usage[]` array) into non-overlapping pools.
 *
 * - `openai`: prompt includes cached (and cache-write) tokens; completion includes reasoning.
 * - `anthropic`: prompt excludes cache reads and writes; completion includes thinking.
 * - `gemini`: prompt includes cached tokens; completion excludes reasoning (`thoughtsTokenCount`);
 *   tool-use prompt tokens, when reported in `providerUsageDetails`, are billed as input.
 *
 * @example
 * ```ts
 * normalizeUsage({ promptTokens: 100, completionTokens: 20, totalTokens: 150,
 *   promptTokensDetails: { cachedTokens: 40 }, completionTokensDetails: { reasoningTokens: 30 } }, 'gemini')
 * // { uncachedInput: 60, cachedInput: 40, cacheWrite: 0, output: 20, reasoning: 30 }
 * ```
 */
export function normalizeUsage(
  usage: TokenUsageLike | readonly SpecUsageLike[] | null | undefined,
  convention: UsageConvention,
): UsagePools {
  if (!usage) return { ...EMPTY_POOLS }
  const u: TokenUsageLike = Array.isArray(usage)
    ? fromSpecUsage(usage)
    : typeof usage === 'object'
      ? (usage as TokenUsageLike)
      : {}
  const prompt = count(u.promptTokens)
  const completion = count(u.completionTokens)
  let cached = count(u.promptTokensDetails?.cachedTokens)
  let cacheWrite = count(u.promptTokensDetails?.cacheWriteTokens)
  let reasoning = count(u.completionTokensDetails?.reasoningTokens)

  switch (convention) {
    case 'openai': {
      // Cached and cache-write tokens are subsets of the prompt; reasoning is a subset of completion.
      cached = Math.min(cached, prompt)
      cacheWrite = Math.min(cacheWrite, prompt - cached)
      reasoning = Math.min(reasoning, completion)
      return {
        uncachedInput: prompt - cached - cacheWrite,
        cachedInput: cached,
        cacheWrite,
        output: completion - reasoning,
        reasoning,
      }
    }
    case 'anthropic': {
      // Cache reads and writes are reported beside the prompt, not inside it; thinking is inside output.
      reasoning = Math.min(reasoning, completion)
      return {
        uncachedInput: prompt,
        cachedInput: cached,
        cacheWrite,
        output: completion - reasoning,
        reasoning,
      }
    }
    case 'gemini': {
      // promptTokenCount includes cachedContentTokenCount; thoughts are beside candidates, not inside.
      cached = Math.min(cached, prompt)
      const toolUsePrompt = count(u.providerUsageDetails?.toolUsePromptTokenCount)
      return {
        uncachedInput: Math.min(prompt - cached + toolUsePrompt, Number.MAX_SAFE_INTEGER),
        cachedInput: cached,
        cacheWrite: 0,
        output: completion,
        reasoning,
      }
    }
    default:
      // Reachable only from untyped callers; guessing a convention could bill the wrong pools.
      throw new InvalidArgumentError('convention', `unknown usage convention ${JSON.stringify(convention)}`)
  }
}

/** Sum the AG-UI `usage[]` items into one TanStack-shaped usage (the items use TanStack's semantics). */
function fromSpecUsage(items: readonly SpecUsageLike[]): TokenUsageLike {
  let promptTokens = 0
  let completionTokens = 0
  let totalTokens = 0
  let cachedTokens = 0
  let reasoningTokens = 0
  for (const item of items) {
    promptTokens += count(item.inputTokens)
    completionTokens += count(item.outputTokens)
    totalTokens += count(item.totalTokens)
    cachedTokens += count(item.cachedInputTokens)
    reasoningTokens += count(item.reasoningTokens)
  }
  return {
    promptTokens,
    completionTokens,
    totalTokens,
    promptTokensDetails: { cachedTokens },
    completionTokensDetails: { reasoningTokens },
  }
}

/**
 * Add usages pool by pool (an agent loop has one model call per iteration; a run costs their sum).
 *
 * @example
 * ```ts
 * addUsage(callOne, callTwo, callThree).output
 * ```
 */
export function addUsage(...usages: readonly UsagePools[]): UsagePools {
  const sum = { ...EMPTY_POOLS }
  for (const u of usages) {
    sum.uncachedInput += u.uncachedInput
    sum.cachedInput += u.cachedInput
    sum.cacheWrite += u.cacheWrite
    sum.output += u.output
    sum.reasoning += u.reasoning
  }
  return sum
}

/** Input tokens of all kinds. */
export function inputTokensOf(pools: UsagePools): number {
  return pools.uncachedInput + pools.cachedInput + pools.cacheWrite
}

/** Output tokens including reasoning. */
export function outputTokensOf(pools: UsagePools): number {
  return pools.output + pools.reasoning
}

/**
 * Every token in every pool: the figure recorded as `tokensUsed`.
 *
 * @example
 * ```ts
 * totalTokensOf({ uncachedInput: 60, cachedInput: 40, cacheWrite: 0, output: 20, reasoning: 30 }) // 150
 * ```
 */
export function totalTokensOf(pools: UsagePools): number {
  return inputTokensOf(pools) + outputTokensOf(pools)
}

/**
 * The convention a model's provider uses, guessed from its id when the price table does not say.
 *
 * @example
 * ```ts
 * conventionForModel('gemini-2.5-flash') // 'gemini'
 * ```
 */
export function conventionForModel(model: string): UsageConvention {
  if (model.startsWith('gemini')) return 'gemini'
  if (model.startsWith('claude')) return 'anthropic'
  return 'openai'
}

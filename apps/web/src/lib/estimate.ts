import { MICROS_PER_CREDIT } from '@10xstudent/domain'

/** Rough characters per token for English text; only used for the live "≈" figure, never for billing. */
export const CHARS_PER_TOKEN = 4

/**
 * Tokens a piece of text is likely to be, rounded up (an empty string is 0).
 *
 * @example
 * ```ts
 * estimateTokens('hello world') // 3
 * ```
 */
export function estimateTokens(chars: number): number {
  if (!Number.isFinite(chars) || chars <= 0) return 0
  return Math.ceil(chars / CHARS_PER_TOKEN)
}

/**
 * Live estimate of what the reply streaming now will cost, in whole credits (rounded up, like the settlement).
 * The badge shows it as "≈ −N" until the `credits` chunk brings the exact charge. Prices are credits per million
 * tokens, so `tokens * price` is micro-credits and the maths stays in integers.
 *
 * @example
 * ```ts
 * estimateInFlightCredits({ promptChars: 400, streamedChars: 2000, inputPrice: 1000, outputPrice: 4000 }) // 3
 * ```
 */
export function estimateInFlightCredits(input: {
  promptChars: number
  streamedChars: number
  inputPrice: number
  outputPrice: number
}): number {
  const micros =
    estimateTokens(input.promptChars) * Math.max(0, input.inputPrice) +
    estimateTokens(input.streamedChars) * Math.max(0, input.outputPrice)
  if (micros <= 0) return 0
  return Math.ceil(micros / MICROS_PER_CREDIT)
}

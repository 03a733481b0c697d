import {
  affordableOutputTokens,
  assertId,
  type CreditLedger,
  getModelPrice,
  type Hold,
  InsufficientCreditsError,
  InvalidArgumentError,
  isCreditError,
  PRICE_TABLE,
  type PriceTable,
  worstCaseCost,
} from '@10xstudent/domain'
import { type MeteringLogger, resolveLogger, safeLog } from './logger'
import { rememberReservation } from './reservation-registry'
import { countPromptTokens } from './tokens'

/** The smallest reply worth paying for when the balance forces a lower output cap. */
export const DEFAULT_MIN_OUTPUT_TOKENS = 256

export interface ReserveForChatInput {
  ledger: CreditLedger
  userId: string
  /** Model id as in the price table (an unknown model fails closed with `UnknownModelError`). */
  model: string
  /** `ModelMessage[]` or `UIMessage[]` as sent to `chat()`. */
  messages: readonly unknown[]
  tools?: readonly unknown[] | undefined
  systemPrompts?: readonly unknown[] | undefined
  /** Output cap for one model call; default and upper bound: the model's cap from the price table. */
  maxOutputTokens?: number | undefined
  /** A useful minimum reply; below it the request is refused rather than lowered. Default 256. */
  minOutputTokens?: number | undefined
  prices?: PriceTable | undefined
  runId: string
  /** Default `reserve:${runId}`. */
  idempotencyKey?: string | undefined
  logger?: MeteringLogger | undefined
  /** Operation slug stored on the hold; default `chat`. */
  operation?: string | undefined
  /** Hold lifetime; default the ledger's. */
  ttlMs?: number | undefined
}

export interface ChatReservation {
  hold: Hold
  /** The output cap the hold pays for: pass it to the model (`modelOptions.maxOutputTokens`). */
  maxOutputTokens: number
  estimate: {
    promptTokens: number
    worstCaseCredits: number
    /** True when the balance forced `maxOutputTokens` below what was asked. */
    lowered: boolean
  }
}

/**
 * Reserve the worst case of a chat call before the provider is called: price(prompt tokens, counted with a
 * real tokenizer) + price(max output tokens). When the balance cannot cover that but can cover the prompt
 * plus `minOutputTokens`, the output cap is lowered to what the balance affords; otherwise
 * `InsufficientCreditsError` (with `required` = the worst case at the minimum output, and `balance`) is
 * thrown, so the app answers 402 without ever calling the model.
 *
 * @example
 * ```ts
 * const { hold, maxOutputTokens } = await reserveForChat({ ledger, userId, model, messages, runId })
 * const stream = chat({ adapter, messages, modelOptions: { maxOutputTokens } })
 * return toServerSentEventsResponse(meterStream(stream, { ledger, hold, model, runId, logger }))
 * ```
 */
export async function reserveForChat(input: ReserveForChatInput): Promise<ChatReservation> {
  const { ledger, model } = input
  const userId = assertId('userId', input.userId)
  const runId = assertId('runId', input.runId)
  const prices = input.prices ?? PRICE_TABLE
  const logger = resolveLogger(input.logger)
  const price = getModelPrice(model, prices)
  if (!Array.isArray(input.messages)) throw new InvalidArgumentError('messages', 'must be an array')

  const cap = price.maxOutputTokens
  const askedMax = input.maxOutputTokens ?? cap
  if (!Number.isSafeInteger(askedMax) || askedMax < 1)
    throw new InvalidArgumentError('maxOutputTokens', `must be a whole number >= 1, got ${askedMax}`)
  const askedMin = input.minOutputTokens ?? DEFAULT_MIN_OUTPUT_TOKENS
  if (!Number.isSafeInteger(askedMin) || askedMin < 1)
    throw new InvalidArgumentError('minOutputTokens', `must be a whole number >= 1, got ${askedMin}`)
  const maxOutputTokens = Math.min(askedMax, cap)
  const minOutputTokens = Math.min(askedMin, maxOutputTokens)

  const promptTokens = countPromptTokens({
    messages: input.messages,
    systemPrompts: input.systemPrompts,
    tools: input.tools,
  })
  if (promptTokens > price.contextWindow)
    throw new InvalidArgumentError(
      'messages',
      `prompt of ${promptTokens} tokens exceeds the ${price.contextWindow}-token context window of ${model}`,
    )

  const idempotencyKey = input.idempotencyKey ?? `reserve:${runId}`
  const operation = input.operation ?? 'chat'
  const reserve = async (outputTokens: number): Promise<{ hold: Hold; credits: number }> => {
    // A hold of 0 is not a valid amount; a free model still reserves 1 credit so the run has a hold.
    const credits = Math.max(
      1,
      worstCaseCost({ model, promptTokens, maxOutputTokens: outputTokens, prices }).credits,
    )
    const hold = await ledger.reserve({
      userId,
      amount: credits,
      idempotencyKey,
      operation,
      runId,
      ...(input.ttlMs === undefined ? {} : { ttlMs: input.ttlMs }),
      metadata: { model, promptTokens, maxOutputTokens: outputTokens, priceVersion: prices.version },
    })
    return { hold, credits }
  }

  let outputTokens = maxOutputTokens
  let result: { hold: Hold; credits: number }
  try {
    result = await reserve(outputTokens)
  } catch (err) {
    if (!isInsufficient(err)) throw err
    const balance = err.balance
    const affordable = Math.min(
      maxOutputTokens,
      affordableOutputTokens({ model, promptTokens, budgetCredits: balance, prices }),
    )
    const required = Math.max(
      1,
      worstCaseCost({ model, promptTokens, maxOutputTokens: minOutputTokens, prices }).credits,
    )
    if (affordable < minOutputTokens) {
      safeLog(
        logger,
        'info',
        { userId, runId, model, promptTokens, required, balance },
        'Chat refused: insufficient credits',
      )
      throw new InsufficientCreditsError(required, balance)
    }
    outputTokens = affordable
    try {
      // The failed attempt had no effect, so the same key is free; reusing it keeps a retried request idempotent.
      result = await reserve(outputTokens)
    } catch (retryErr) {
      if (!isInsufficient(retryErr)) throw retryErr
      // The balance moved between the two attempts (a concurrent run): refuse with the fresh figure.
      throw new InsufficientCreditsError(required, retryErr.balance)
    }
  }

  const lowered = outputTokens < maxOutputTokens
  rememberReservation(result.hold, { model, promptTokens, maxOutputTokens: outputTokens, runId })
  safeLog(
    logger,
    'info',
    {
      userId,
      runId,
      holdId: result.hold.id,
      model,
      promptTokens,
      maxOutputTokens: outputTokens,
      held: result.hold.amount,
      lowered,
      replayed: result.hold.replayed,
    },
    lowered ? 'Credits reserved (output cap lowered to fit the balance)' : 'Credits reserved',
  )
  return {
    hold: result.hold,
    maxOutputTokens: outputTokens,
    estimate: { promptTokens, worstCaseCredits: result.credits, lowered },
  }
}

function isInsufficient(err: unknown): err is InsufficientCreditsError {
  return (
    isCreditError(err) &&
    err.code === 'insufficient_credits' &&
    typeof (err as InsufficientCreditsError).balance === 'number'
  )
}

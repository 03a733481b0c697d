/**
 * The accounting core shared by `meterStream` and `creditMetering`: adds up the usage of every model call of
 * one run, estimates what was streamed without reported usage, and settles with the ledger exactly once.
 *
 * Invariants:
 * - usage is counted once per model call: a RUN_FINISHED that closes no new output and repeats the last
 *   call's usage is a replay and is ignored (duplicates, the synthetic RUN_FINISHED at a pause);
 * - a call that produced no output and reported no usage costs nothing;
 * - `settle()` runs the ledger write at most once; every later call returns the same promise;
 * - nothing here throws into the caller's stream: faults are logged and swallowed.
 */
import {
  addUsage,
  type CreditLedger,
  EMPTY_POOLS,
  type FinishReason,
  getModelPrice,
  type Hold,
  HoldNotActiveError,
  inputTokensOf,
  isCreditError,
  isWarningFinishReason,
  type ModelPrice,
  normalizeFinishReason,
  normalizeUsage,
  outputTokensOf,
  PRICE_TABLE,
  type PriceTable,
  priceUsage,
  type TokenUsageLike,
  totalTokensOf,
  type UsageConvention,
  type UsagePools,
  worstCaseCost,
} from '@10xstudent/domain'
import { type MeteringLogger, resolveLogger, safeLog } from './logger'
import { reservationOf } from './reservation-registry'
import type { Settlement } from './settlement'
import { countTokens } from './tokens'

/** Settlement and estimation policies. */
export interface MeterPolicies {
  /** Retries after a failed ledger write (same idempotency key each time). Default 3. */
  settleRetries?: number
  /** First backoff delay; doubles per retry. Default 100 ms. */
  retryBaseMs?: number
  /** Estimate a call's usage from its streamed text when the provider reported none. Default true. */
  estimateWhenMissing?: boolean
}

/** Options shared by `meterStream` and `creditMetering`. */
export interface MeterOptions {
  ledger: CreditLedger
  /** The hold from `reserveForChat` (or `ledger.reserve`). Without one, the run is charged after it ends. */
  hold?: Hold | undefined
  /** Required without a hold; with one, defaults to the hold's user. */
  userId?: string | undefined
  /** Operation slug recorded on a charge without a hold; default the hold's operation or `chat`. */
  operation?: string | undefined
  /** Model id as in the price table; an unknown model fails closed (`UnknownModelError`). */
  model: string
  prices?: PriceTable | undefined
  logger?: MeteringLogger | undefined
  /** Default: the hold's run id, else a random UUID. */
  runId?: string | undefined
  /** Aborting it settles the run as aborted. */
  signal?: AbortSignal | undefined
  policies?: MeterPolicies | undefined
  /** Called once with the settlement (also when the ledger write failed: see `status`). */
  onSettled?: ((settlement: Settlement) => void) | undefined
  /** Emit the `credits` CUSTOM chunk after settling. Default true. */
  emitCreditsChunk?: boolean | undefined
  /** Prompt tokens of the first call, for estimates (default: what `reserveForChat` counted, else 0). */
  promptTokens?: number | undefined
  /** Output cap of one call, for the budget check (default: the reservation's, else the model's cap). */
  maxOutputTokens?: number | undefined
}

export type EndKind = 'completed' | 'aborted' | 'error'

/** The fields of a chunk metering reads. */
export type ObservedChunk = { type: string } & Record<string, unknown>

interface CallRecord {
  pools: UsagePools
  estimated: boolean
  /** Closed without reported usage (a later RUN_FINISHED may still bring it). */
  missingUsage: boolean
}

const NON_RETRYABLE = new Set([
  'hold_not_active',
  'hold_not_found',
  'idempotency_conflict',
  'invalid_amount',
  'invalid_argument',
  'user_not_found',
  'unknown_model',
  'insufficient_credits',
])

function hasUsage(usage: unknown): boolean {
  if (Array.isArray(usage)) return usage.length > 0
  return typeof usage === 'object' && usage !== null && 'promptTokens' in usage
}

function samePools(a: UsagePools, b: UsagePools): boolean {
  return (
    a.uncachedInput === b.uncachedInput &&
    a.cachedInput === b.cachedInput &&
    a.cacheWrite === b.cacheWrite &&
    a.output === b.output &&
    a.reasoning === b.reasoning
  )
}

/** Read the finish reason from both places TanStack puts it (top level on the client, metadata in process). */
export function finishReasonOf(chunk: {
  finishReason?: unknown
  metadata?: { tanstack?: { finishReason?: unknown } } | Record<string, unknown> | undefined
}): string | null | undefined {
  const top = chunk.finishReason
  if (typeof top === 'string' || top === null) return top
  const nested = (chunk.metadata as { tanstack?: { finishReason?: unknown } } | undefined)?.tanstack
    ?.finishReason
  if (typeof nested === 'string' || nested === null) return nested
  return undefined
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export class RunMeter {
  readonly runId: string
  readonly userId: string
  readonly model: string
  readonly hold: Hold | undefined
  readonly logger: MeteringLogger
  readonly emitCredits: boolean
  /** Set when the hold cannot cover another model call; the wrapper stops the loop. */
  stopRequested = false
  paused = false

  private readonly ledger: CreditLedger
  private readonly operation: string
  private readonly prices: PriceTable
  private readonly price: ModelPrice
  private readonly convention: UsageConvention
  private readonly retries: number
  private readonly retryBaseMs: number
  private readonly estimateWhenMissing: boolean
  private readonly maxOutputTokens: number
  private readonly onSettled: ((s: Settlement) => void) | undefined
  private readonly startedAt = Date.now()

  private readonly calls: CallRecord[] = []
  private readonly usageKeys = new Set<string>()
  private open = false
  private outParts: string[] = []
  private reasoningParts: string[] = []
  private contextParts: string[] = []
  /** Prompt of the next call, as far as known: grows by each call's input and output. */
  private basePrompt: number
  private lastFinish: string | null = null
  private runError = false
  private stoppedForBudget = false
  private settling: Promise<Settlement | null> | null = null
  private faultLogged = false

  constructor(options: MeterOptions) {
    this.ledger = options.ledger
    this.hold = options.hold
    this.model = options.model
    this.prices = options.prices ?? PRICE_TABLE
    // Fail closed before any streaming: an unknown model is never free.
    this.price = getModelPrice(options.model, this.prices)
    this.convention = this.price.provider
    this.logger = resolveLogger(options.logger)
    const userId = options.userId ?? options.hold?.userId
    if (!userId) throw new TypeError('meterStream needs a hold or a userId')
    if (options.hold && options.userId && options.hold.userId !== options.userId)
      throw new TypeError(`hold ${options.hold.id} belongs to another user`)
    this.userId = userId
    const reservation = reservationOf(options.hold)
    this.runId = options.runId ?? options.hold?.runId ?? reservation?.runId ?? crypto.randomUUID()
    this.operation = options.operation ?? options.hold?.operation ?? 'chat'
    this.retries = Math.max(0, Math.floor(options.policies?.settleRetries ?? 3))
    this.retryBaseMs = Math.max(0, options.policies?.retryBaseMs ?? 100)
    this.estimateWhenMissing = options.policies?.estimateWhenMissing ?? true
    this.basePrompt = options.promptTokens ?? reservation?.promptTokens ?? 0
    this.maxOutputTokens =
      options.maxOutputTokens ?? reservation?.maxOutputTokens ?? this.price.maxOutputTokens
    this.onSettled = options.onSettled
    this.emitCredits = options.emitCreditsChunk ?? true
  }

  get settled(): boolean {
    return this.settling !== null
  }

  /**
   * Observe one chunk (hot path: no allocation beyond remembering text deltas).
   * `usageFromChunks` is false for the middleware, which gets usage per call from `onUsage`.
   */
  observe(chunk: ObservedChunk, usageFromChunks: boolean): void {
    switch (chunk.type) {
      case 'TEXT_MESSAGE_CONTENT':
      case 'TOOL_CALL_ARGS':
        this.open = true
        if (typeof chunk.delta === 'string') this.outParts.push(chunk.delta)
        return
      case 'REASONING_MESSAGE_CONTENT':
        this.open = true
        if (typeof chunk.delta === 'string') this.reasoningParts.push(chunk.delta)
        return
      case 'TEXT_MESSAGE_START':
      case 'TEXT_MESSAGE_END':
      case 'TOOL_CALL_START':
      case 'TOOL_CALL_END':
      case 'REASONING_START':
      case 'REASONING_MESSAGE_START':
        this.open = true
        return
      case 'TOOL_CALL_RESULT':
        // Tool results become part of the next call's prompt.
        if (typeof chunk.content === 'string') this.contextParts.push(chunk.content)
        return
      case 'RUN_FINISHED':
        this.onRunFinished(chunk, usageFromChunks)
        return
      case 'RUN_ERROR':
        this.runError = true
        if (usageFromChunks && hasUsage(chunk.usage)) this.onRunFinished(chunk, true)
        return
      default:
        return
    }
  }

  private onRunFinished(chunk: Record<string, unknown>, usageFromChunks: boolean): void {
    const outcome = chunk.outcome as { type?: unknown } | undefined
    if (outcome?.type === 'interrupt') this.paused = true
    const reason = finishReasonOf(chunk)
    if (reason !== undefined && chunk.type === 'RUN_FINISHED') this.lastFinish = reason
    if (!usageFromChunks) return
    const usage = chunk.usage
    if (this.open) {
      this.closeCall(usage)
    } else if (hasUsage(usage)) {
      const pools = normalizeUsage(usage as TokenUsageLike, this.convention)
      const last = this.calls[this.calls.length - 1]
      if (last?.missingUsage) {
        // The usage of the call just closed arrived in a later RUN_FINISHED: replace the estimate.
        last.pools = pools
        last.estimated = false
        last.missingUsage = false
        this.basePrompt = inputTokensOf(pools) + outputTokensOf(pools)
      } else if (last && samePools(last.pools, pools)) {
        // A replay of the last call's RUN_FINISHED (duplicate, or the synthetic one at a pause).
      } else {
        // A call that streamed nothing visible but was billed (e.g. an empty reply).
        this.pushReported(pools)
      }
    }
    if (reason === 'tool_calls' && !this.paused) this.checkBudget()
  }

  /**
   * Record the usage of one model call reported out of band (the middleware's `onUsage`), keyed so the same
   * call is never counted twice.
   */
  recordCallUsage(key: string, usage: unknown): void {
    if (this.usageKeys.has(key)) return
    this.usageKeys.add(key)
    if (!hasUsage(usage)) {
      this.closeCall(undefined)
      return
    }
    this.pushReported(normalizeUsage(usage as TokenUsageLike, this.convention))
    this.resetOpen()
  }

  /** Close the current call (if it produced anything) without reported usage: estimate it. */
  closeOpenCall(): void {
    if (this.open) this.closeCall(undefined)
  }

  private closeCall(usage: unknown): void {
    if (hasUsage(usage)) {
      this.pushReported(normalizeUsage(usage as TokenUsageLike, this.convention))
    } else if (this.producedOutput()) {
      const pools = this.estimateWhenMissing ? this.estimateOpen() : { ...EMPTY_POOLS }
      this.calls.push({ pools, estimated: this.estimateWhenMissing, missingUsage: true })
    }
    this.resetOpen()
  }

  private pushReported(pools: UsagePools): void {
    this.calls.push({ pools, estimated: false, missingUsage: false })
    this.basePrompt = inputTokensOf(pools) + outputTokensOf(pools)
    this.contextParts = []
  }

  private resetOpen(): void {
    this.open = false
    if (this.outParts.length > 0) this.outParts = []
    if (this.reasoningParts.length > 0) this.reasoningParts = []
  }

  private producedOutput(): boolean {
    return this.outParts.length > 0 || this.reasoningParts.length > 0
  }

  /** Estimate the open call from its streamed text with the tokenizer. */
  private estimateOpen(): UsagePools {
    const prompt = this.nextPromptEstimate()
    const output = countTokens(this.outParts.join(''))
    const reasoning = countTokens(this.reasoningParts.join(''))
    this.basePrompt = prompt + output + reasoning
    this.contextParts = []
    return { uncachedInput: prompt, cachedInput: 0, cacheWrite: 0, output, reasoning }
  }

  private nextPromptEstimate(): number {
    return this.basePrompt + (this.contextParts.length > 0 ? countTokens(this.contextParts.join('')) : 0)
  }

  /** Exact cost so far, in micro-credits. */
  private spentMicros(): number {
    if (this.calls.length === 0) return 0
    return priceUsage({ model: this.model, usage: this.calls.map((c) => c.pools), prices: this.prices })
      .costMicros
  }

  /**
   * True when what remains of the hold covers the worst case of one more call (always true without a hold:
   * then the run is charged afterwards, never overdrawing).
   */
  budgetAllowsAnotherCall(): boolean {
    if (!this.hold) return true
    const remaining = this.hold.amount * 1_000_000 - this.spentMicros()
    const next = worstCaseCost({
      model: this.model,
      promptTokens: this.nextPromptEstimate(),
      maxOutputTokens: this.maxOutputTokens,
      prices: this.prices,
    }).costMicros
    return next <= remaining
  }

  private checkBudget(): void {
    if (this.stopRequested || this.budgetAllowsAnotherCall()) return
    this.requestBudgetStop()
  }

  /** Mark the run as stopped because the hold cannot cover another call, and log it. */
  requestBudgetStop(): void {
    if (this.stoppedForBudget) return
    this.stopRequested = true
    this.stoppedForBudget = true
    safeLog(
      this.logger,
      'warn',
      {
        ...this.holdLogFields(),
        model: this.model,
        held: this.hold?.amount,
        spentMicros: this.spentMicros(),
        modelCalls: this.calls.length,
      },
      'Agent loop stopped: the hold cannot cover another model call',
    )
  }

  /** Who and which hold a log line is about (`holdId` null before the reservation). */
  private holdLogFields(): { userId: string; runId: string; holdId: string | null } {
    return { userId: this.userId, runId: this.runId, holdId: this.hold?.id ?? null }
  }

  /** Log a metering fault once per run (never thrown into the stream). */
  fault(err: unknown, where: string): void {
    if (this.faultLogged) return
    this.faultLogged = true
    safeLog(
      this.logger,
      'error',
      { userId: this.userId, runId: this.runId, where, err: errorMessage(err) },
      'Metering fault',
    )
  }

  /** Settle exactly once. Never rejects: a failure resolves to a `failed` settlement (or null on a fault). */
  settle(kind: EndKind): Promise<Settlement | null> {
    if (this.settling) return this.settling
    this.settling = this.doSettle(kind).catch((err: unknown) => {
      this.fault(err, 'settle')
      return null
    })
    return this.settling
  }

  private finishReason(kind: EndKind): FinishReason {
    if (kind === 'aborted') return 'aborted'
    if (kind === 'error' || this.runError) return 'error'
    if (this.paused) return 'tool-calls'
    return normalizeFinishReason(this.lastFinish)
  }

  private async doSettle(kind: EndKind): Promise<Settlement> {
    this.closeOpenCall()
    const finishReason = this.finishReason(kind)
    const pools = addUsage(...this.calls.map((c) => c.pools))
    const priced = priceUsage({ model: this.model, usage: pools, prices: this.prices })
    const estimated = this.calls.some((c) => c.estimated)
    const hold = this.hold
    // The hold is the ceiling: a run never costs more than what was reserved for it.
    const amount = hold ? Math.min(priced.credits, hold.amount) : priced.credits
    const details = {
      model: this.model,
      usage: pools,
      tokensUsed: totalTokensOf(pools),
      finishReason,
      priceVersion: priced.priceVersion,
      costMicros: priced.costMicros,
      estimated,
      runId: this.runId,
      metadata: {
        modelCalls: this.calls.length,
        operation: this.operation,
        ...(priced.credits > amount ? { beyondHold: priced.credits - amount } : {}),
      },
    }

    let charged = 0
    let shortfall = priced.credits - amount
    let balance = 0
    let held = 0
    let replayed = false
    let attempts = 0
    let failure: unknown
    let idempotencyKey: string

    if (hold) {
      idempotencyKey = `settle:${hold.id}`
      const r = await this.withRetries(() =>
        this.ledger.settle(hold.id, { amount, idempotencyKey, ...details }),
      )
      attempts = r.attempts
      if (r.ok) {
        charged = r.value.charged
        shortfall += r.value.shortfall
        balance = r.value.balance
        held = r.value.held
        replayed = r.value.replayed
      } else if (r.error instanceof HoldNotActiveError && r.error.status === 'expired' && amount > 0) {
        // The sweeper returned the hold before we settled: bill the work directly, never overdrawing.
        idempotencyKey = `charge:${this.runId}`
        const c = await this.charge(amount, idempotencyKey, details)
        attempts += c.attempts
        if (c.ok)
          ({ charged, shortfall, balance, held, replayed } = { ...c, shortfall: shortfall + c.shortfall })
        else failure = c.error
      } else {
        failure = r.error
      }
    } else {
      idempotencyKey = `charge:${this.runId}`
      const c = await this.charge(amount, idempotencyKey, details)
      attempts = c.attempts
      if (c.ok)
        ({ charged, shortfall, balance, held, replayed } = { ...c, shortfall: shortfall + c.shortfall })
      else failure = c.error
    }

    const settlement: Settlement = {
      runId: this.runId,
      userId: this.userId,
      holdId: hold?.id ?? null,
      model: this.model,
      charged,
      shortfall: failure === undefined ? shortfall : priced.credits,
      balance,
      held,
      estimated,
      finishReason,
      pools,
      costMicros: priced.costMicros,
      priceVersion: priced.priceVersion,
      modelCalls: this.calls.length,
      durationMs: Date.now() - this.startedAt,
      status: failure === undefined ? 'settled' : 'failed',
      cost: priced.credits,
      promptTokens: inputTokensOf(pools),
      completionTokens: outputTokensOf(pools),
      totalTokens: totalTokensOf(pools),
      paused: this.paused,
      stoppedForBudget: this.stoppedForBudget,
      replayed,
      attempts,
      ...(failure === undefined ? {} : { error: errorMessage(failure) }),
    }
    this.logSettlement(settlement, amount, idempotencyKey)
    if (this.onSettled) {
      try {
        this.onSettled(settlement)
      } catch (err) {
        this.fault(err, 'onSettled')
      }
    }
    return settlement
  }

  private async charge(
    amount: number,
    idempotencyKey: string,
    details: Record<string, unknown>,
  ): Promise<
    | {
        ok: true
        charged: number
        shortfall: number
        balance: number
        held: number
        replayed: boolean
        attempts: number
      }
    | { ok: false; error: unknown; attempts: number }
  > {
    let attempts = 0
    let charged = 0
    let shortfall = 0
    let replayed = false
    if (amount > 0) {
      const r = await this.withRetries(() =>
        this.ledger.charge({
          ...details,
          userId: this.userId,
          amount,
          idempotencyKey,
          operation: this.operation,
          // Bill work that already happened: take what the balance has, record the rest, never overdraw.
          allowPartial: true,
        }),
      )
      attempts = r.attempts
      if (!r.ok) return { ok: false, error: r.error, attempts }
      charged = r.value.charged
      shortfall = r.value.shortfall
      replayed = r.value.replayed
    }
    const b = await this.withRetries(() => this.ledger.balance(this.userId))
    attempts += b.attempts
    if (!b.ok) {
      // The charge went through; only the figures for the UI are missing.
      if (amount > 0) return { ok: true, charged, shortfall, balance: 0, held: 0, replayed, attempts }
      return { ok: false, error: b.error, attempts }
    }
    return { ok: true, charged, shortfall, balance: b.value.credits, held: b.value.held, replayed, attempts }
  }

  private async withRetries<T>(
    op: () => Promise<T>,
  ): Promise<{ ok: true; value: T; attempts: number } | { ok: false; error: unknown; attempts: number }> {
    let attempts = 0
    let lastError: unknown
    for (let i = 0; i <= this.retries; i++) {
      attempts++
      try {
        return { ok: true, value: await op(), attempts }
      } catch (err) {
        lastError = err
        if (isCreditError(err) && NON_RETRYABLE.has(err.code)) break
        if (i < this.retries) {
          safeLog(
            this.logger,
            'warn',
            {
              ...this.holdLogFields(),
              attempt: attempts,
              err: errorMessage(err),
            },
            'Ledger write failed; retrying with the same idempotency key',
          )
          await sleep(this.retryBaseMs * 2 ** i)
        }
      }
    }
    return { ok: false, error: lastError, attempts }
  }

  private logSettlement(s: Settlement, amount: number, idempotencyKey: string): void {
    const fields = {
      userId: s.userId,
      runId: s.runId,
      holdId: s.holdId,
      model: s.model,
      operation: this.operation,
      promptTokens: s.promptTokens,
      completionTokens: s.completionTokens,
      totalTokens: s.totalTokens,
      pools: s.pools,
      finishReason: s.finishReason,
      cost: s.cost,
      charged: s.charged,
      shortfall: s.shortfall,
      costMicros: s.costMicros,
      priceVersion: s.priceVersion,
      balance: s.balance,
      held: s.held,
      estimated: s.estimated,
      modelCalls: s.modelCalls,
      paused: s.paused,
      stoppedForBudget: s.stoppedForBudget,
      durationMs: s.durationMs,
      attempts: s.attempts,
    }
    if (s.status === 'failed') {
      // Everything needed to settle by hand; the hold (if any) stays active for the sweeper meanwhile.
      safeLog(
        this.logger,
        'error',
        {
          ...fields,
          amount,
          idempotencyKey,
          action: s.holdId
            ? `ledger.settle(${JSON.stringify(s.holdId)}, { amount: ${amount}, idempotencyKey: ${JSON.stringify(idempotencyKey)} })`
            : `ledger.charge({ userId: ${JSON.stringify(s.userId)}, amount: ${amount}, idempotencyKey: ${JSON.stringify(idempotencyKey)}, allowPartial: true })`,
          err: s.error,
        },
        'Credit settlement failed; hold left for the sweeper',
      )
      return
    }
    if (s.finishReason === 'error') safeLog(this.logger, 'error', fields, 'Credits settled (run failed)')
    else if (isWarningFinishReason(s.finishReason) || s.stoppedForBudget || s.shortfall > 0)
      safeLog(this.logger, 'warn', fields, 'Credits settled')
    else safeLog(this.logger, 'info', fields, 'Credits settled')
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}

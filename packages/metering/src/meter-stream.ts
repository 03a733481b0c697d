import type { StreamChunk } from '@tanstack/ai'
import { type EndKind, type MeterOptions, type ObservedChunk, RunMeter } from './run-meter'
import { creditsChunkOf } from './settlement'

/** Options of {@link meterStream}. */
export type MeterStreamOptions = MeterOptions

const STREAMING = 0
/** Settled; the `credits` chunk (if any) and then the end (or the source's error) remain to be delivered. */
const ENDING = 1
const DONE = 2

const DONE_RESULT: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined })

/**
 * Meter a TanStack AI stream: yields every chunk unchanged (the same objects), adds up the usage of every
 * model call, and settles with the ledger exactly once however the stream ends (completion, the consumer
 * stopping early or disconnecting, `RUN_ERROR`, the source throwing, a pause for tool approval or a client
 * tool, or `signal` aborting). After settling it yields one `CUSTOM` chunk named `credits` with
 * `{ charged, balance, held, estimated }` when the consumer is still reading.
 *
 * With a hold, the run never costs more than the hold: when what remains cannot cover another model call,
 * iteration stops after the current call (and the stop is logged). Without a hold, the run is charged after
 * it ends with `allowPartial` (takes what the balance has, never overdraws).
 *
 * @example
 * ```ts
 * const { hold, maxOutputTokens } = await reserveForChat({ ledger, userId, model, messages, runId })
 * const stream = chat({ adapter, messages, modelOptions: { maxOutputTokens }, abortController })
 * return toServerSentEventsResponse(meterStream(stream, { ledger, hold, model, runId, logger }), { abortController })
 * ```
 */
export function meterStream<T extends StreamChunk>(
  stream: AsyncIterable<T>,
  options: MeterStreamOptions,
): AsyncIterable<T> {
  // Validates eagerly (unknown model, missing user) so a misconfigured call fails before any provider call.
  const meter = new RunMeter(options)
  return new MeteredStream(stream, meter, options.signal)
}

/**
 * One-shot async iterable + iterator, written by hand rather than as an async generator: a generator adds
 * a promise and a resumption per chunk, which the benchmark shows; this adds one `.then` per chunk.
 */
class MeteredStream<T extends StreamChunk> implements AsyncIterableIterator<T> {
  private readonly meter: RunMeter
  private readonly stream: AsyncIterable<T>
  private source: AsyncIterator<T> | undefined
  private state = STREAMING
  private credits: T | undefined
  private pendingError: { error: unknown } | undefined
  private readonly signal: AbortSignal | undefined
  private readonly onAbort: (() => void) | undefined

  constructor(stream: AsyncIterable<T>, meter: RunMeter, signal: AbortSignal | undefined) {
    this.stream = stream
    this.meter = meter
    this.signal = signal
    if (signal) {
      this.onAbort = () => {
        void this.stop('aborted')
      }
      if (signal.aborted) queueMicrotask(this.onAbort)
      else signal.addEventListener('abort', this.onAbort, { once: true })
    }
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this
  }

  next(): Promise<IteratorResult<T>> {
    const source = this.source
    if (source === undefined || this.state !== STREAMING || this.meter.stopRequested) return this.slowNext()
    let pending: Promise<IteratorResult<T>>
    try {
      pending = source.next()
    } catch (err) {
      return this.onSourceError(err)
    }
    return pending.then(this.onResult, this.onSourceError)
  }

  /** Everything but the steady state: the first pull, the end, the budget stop. */
  private slowNext(): Promise<IteratorResult<T>> {
    if (this.state !== STREAMING) return this.deliverEnd()
    if (this.meter.stopRequested) return this.stopForBudget()
    try {
      this.source = this.stream[Symbol.asyncIterator]()
    } catch (err) {
      return this.onSourceError(err)
    }
    return this.next()
  }

  /** Hot path: observe and hand the very same result object on. */
  private readonly onResult = (result: IteratorResult<T>): IteratorResult<T> | Promise<IteratorResult<T>> => {
    if (this.state !== STREAMING) return DONE_RESULT // the consumer left while this chunk was in flight
    if (result.done === true) return this.end('completed')
    try {
      this.meter.observe(result.value as unknown as ObservedChunk, true)
    } catch (err) {
      this.meter.fault(err, 'observe')
    }
    return result
  }

  private readonly onSourceError = (error: unknown): Promise<IteratorResult<T>> => {
    if (this.state !== STREAMING) return Promise.resolve(DONE_RESULT)
    // Settle what ran, show the new balance, then let the consumer see the error as before.
    this.pendingError = { error }
    return this.end('error')
  }

  private end(kind: EndKind): Promise<IteratorResult<T>> {
    this.state = ENDING
    this.detachSignal()
    return this.meter.settle(kind).then((settlement) => {
      if (this.state === ENDING && settlement && settlement.status === 'settled' && this.meter.emitCredits) {
        this.credits = creditsChunkOf(settlement) as unknown as T
      }
      return this.deliverEnd()
    })
  }

  private deliverEnd(): Promise<IteratorResult<T>> {
    if (this.state === ENDING && this.credits !== undefined) {
      const value = this.credits
      this.credits = undefined
      return Promise.resolve({ done: false, value })
    }
    this.state = DONE
    if (this.pendingError) {
      const { error } = this.pendingError
      this.pendingError = undefined
      return Promise.reject(error)
    }
    return Promise.resolve(DONE_RESULT)
  }

  private async stopForBudget(): Promise<IteratorResult<T>> {
    this.state = ENDING
    await this.closeSource()
    return this.end('completed')
  }

  /** The consumer stops early (`break`, a cancelled ReadableStream, an HTTP disconnect). */
  async return(value?: unknown): Promise<IteratorResult<T>> {
    await this.stop('aborted')
    return { done: true, value: value as T }
  }

  private async stop(kind: EndKind): Promise<void> {
    if (this.state !== STREAMING) {
      // Already ending: let the settlement in flight finish, drop the credits chunk nobody will read.
      this.state = DONE
      this.credits = undefined
      this.pendingError = undefined
      await this.meter.settle(kind)
      return
    }
    this.state = DONE
    this.detachSignal()
    // Settle from what was seen so far without waiting for the source, which may be blocked on the provider.
    await Promise.all([this.meter.settle(kind), this.closeSource()])
  }

  private async closeSource(): Promise<void> {
    const source = this.source
    if (!source?.return) return
    try {
      await source.return()
    } catch (err) {
      this.meter.fault(err, 'source.return')
    }
  }

  private detachSignal(): void {
    if (this.signal && this.onAbort) this.signal.removeEventListener('abort', this.onAbort)
  }
}

import type { ChatMiddleware, ChatMiddlewareContext, StreamChunk } from '@tanstack/ai'
import { type MeterOptions, RunMeter } from './run-meter'
import { CREDITS_EVENT_NAME, creditsValueOf, type Settlement } from './settlement'

/** Options of {@link creditMetering}: the same as `meterStream`'s. */
export type CreditMeteringOptions = MeterOptions

/**
 * The behaviour of `meterStream` as a TanStack AI `ChatMiddleware`: usage from `onUsage` (once per model
 * call, keyed by iteration), text for estimates from `onChunk`, the hold budget enforced in
 * `onShouldContinue`, and settlement exactly once at the run's end (`onShouldContinue` when the loop ends
 * normally, the pause terminal in `onChunk`, else `onFinish` / `onAbort` / `onError`). Every hook catches
 * its own faults, so metering can never throw into the user's stream.
 *
 * The `credits` CUSTOM chunk is emitted when the run ends by the model's choice, by the budget stop or at
 * a pause; a run ended by an abort or an error settles without it (the engine emits nothing after those
 * hooks). Use one middleware instance per run. A consumer that stops iterating without aborting fires no
 * hook in `chat()`; the middleware still settles it (as aborted) when the run's generator is closed.
 *
 * @example
 * ```ts
 * const stream = chat({ adapter, messages, abortController,
 *   middleware: [creditMetering({ ledger, hold, model, runId, logger, signal: abortController.signal })] })
 * ```
 */
export function creditMetering(options: CreditMeteringOptions): ChatMiddleware {
  const meter = new RunMeter(options)
  let onSignal: (() => void) | undefined
  if (options.signal) {
    const signal = options.signal
    onSignal = () => {
      void meter.settle('aborted')
    }
    if (signal.aborted) queueMicrotask(onSignal)
    else signal.addEventListener('abort', onSignal, { once: true })
  }
  const detach = () => {
    if (onSignal) options.signal?.removeEventListener('abort', onSignal)
  }

  const emitCredits = (ctx: ChatMiddlewareContext, settlement: Settlement | null) => {
    if (settlement?.status !== 'settled' || !meter.emitCredits) return
    ctx.emitCustomEvent(CREDITS_EVENT_NAME, { ...creditsValueOf(settlement) })
  }

  /**
   * `chat()` awaits deferred promises in the `finally` of its run, on every exit: completion, error, abort, and
   * also a consumer that simply stops iterating (which fires no terminal hook). A thenable's `then` is called
   * exactly when it is awaited, so this one tells us the run is over: settle as aborted if no hook did, and let
   * the engine wait for the settlement so it is never lost.
   */
  const runEnded = {
    // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose (see above)
    then(resolve: (value: unknown) => void) {
      detach()
      meter.settle('aborted').then(
        () => resolve(undefined),
        () => resolve(undefined),
      )
    },
  }

  return {
    name: 'credit-metering',

    setup(ctx) {
      try {
        ctx.defer(runEnded as unknown as Promise<unknown>)
      } catch (err) {
        meter.fault(err, 'setup')
      }
    },

    onIteration(_ctx) {
      try {
        // A call that ended without onUsage (the provider reported no usage) is estimated now.
        meter.closeOpenCall()
      } catch (err) {
        meter.fault(err, 'onIteration')
      }
    },

    async onChunk(_ctx, chunk) {
      try {
        const c = chunk as unknown as { type: string; name?: unknown } & Record<string, unknown>
        if (c.type === 'CUSTOM' && c.name === CREDITS_EVENT_NAME) return
        meter.observe(c, false)
        if (c.type === 'RUN_FINISHED' && meter.paused && !meter.settled) {
          // A pause for approval or a client tool fires no terminal hook: settle what ran, now.
          detach()
          const settlement = await meter.settle('completed')
          if (settlement && settlement.status === 'settled' && meter.emitCredits) {
            const credits = {
              type: 'CUSTOM',
              name: CREDITS_EVENT_NAME,
              value: creditsValueOf(settlement),
              timestamp: Date.now(),
            } as unknown as StreamChunk
            return [chunk, credits]
          }
        }
      } catch (err) {
        meter.fault(err, 'onChunk')
      }
      return undefined
    },

    onUsage(ctx, usage) {
      try {
        if (meter.settled) {
          meter.fault(new Error('model usage reported after settlement was not billed'), 'onUsage')
          return
        }
        meter.recordCallUsage(`${ctx.phase === 'structuredOutput' ? 'so' : 'it'}:${ctx.iteration}`, usage)
      } catch (err) {
        meter.fault(err, 'onUsage')
      }
    },

    async onShouldContinue(ctx, state) {
      try {
        if (meter.settled) return false
        const wantsMore = state.finishReason === 'tool_calls'
        if (wantsMore && meter.budgetAllowsAnotherCall()) return undefined
        if (wantsMore) meter.requestBudgetStop()
        // The loop ends here (the model stopped, or the hold is spent): settle while chunks can still flow.
        detach()
        emitCredits(ctx, await meter.settle('completed'))
        return wantsMore ? false : undefined
      } catch (err) {
        meter.fault(err, 'onShouldContinue')
        return undefined
      }
    },

    async onFinish() {
      try {
        detach()
        await meter.settle('completed')
      } catch (err) {
        meter.fault(err, 'onFinish')
      }
    },

    async onAbort() {
      try {
        detach()
        await meter.settle('aborted')
      } catch (err) {
        meter.fault(err, 'onAbort')
      }
    },

    async onError() {
      try {
        detach()
        await meter.settle('error')
      } catch (err) {
        meter.fault(err, 'onError')
      }
    },
  }
}

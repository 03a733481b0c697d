/**
 * Periodically resolves expired holds (a crashed process, a stream whose settlement failed). The ledger's
 * `sweepExpired` is safe to run concurrently from many processes: each hold is expired exactly once (I3).
 */
import type { CreditLedger } from '@10xstudent/domain'
import type { Logger } from '@10xstudent/logger'

export interface Sweeper {
  /** Sweep now; returns how many holds this call expired. */
  runOnce(): Promise<number>
  start(): void
  /** Stop the interval and wait for a sweep in progress. */
  stop(): Promise<void>
}

/**
 * @example
 * ```ts
 * const sweeper = createSweeper({ ledger, logger, intervalMs: 30_000 })
 * sweeper.start()
 * await sweeper.stop()
 * ```
 */
export function createSweeper(options: {
  ledger: Pick<CreditLedger, 'sweepExpired'>
  logger: Logger
  intervalMs: number
  batchSize?: number
}): Sweeper {
  const { ledger, logger } = options
  let timer: NodeJS.Timeout | undefined
  let running: Promise<number> | undefined

  const sweep = async (): Promise<number> => {
    let total = 0
    // Drain in batches so a backlog after an outage clears in one tick without one huge transaction.
    for (;;) {
      const { expired } = await ledger.sweepExpired({ limit: options.batchSize ?? 500 })
      total += expired.length
      if (expired.length < (options.batchSize ?? 500)) break
    }
    if (total > 0) logger.info({ expired: total }, 'Expired credit holds swept')
    return total
  }

  const runOnce = (): Promise<number> => {
    // Never overlap two sweeps from one process.
    running ??= sweep().finally(() => {
      running = undefined
    })
    return running
  }

  return {
    runOnce,
    start() {
      if (timer || options.intervalMs <= 0) return
      timer = setInterval(() => {
        runOnce().catch((err: unknown) => logger.warn({ err }, 'Hold sweep failed; will retry'))
      }, options.intervalMs)
      timer.unref()
    },
    async stop() {
      if (timer) clearInterval(timer)
      timer = undefined
      await running?.catch(() => {})
    },
  }
}

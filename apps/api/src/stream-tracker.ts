/**
 * Tracks open chat streams so a graceful shutdown can wait for them, cut off the slow ones (which settles
 * them as aborted through the metering wrapper) and wait until every settlement has been written.
 */

export interface TrackedStream {
  /** Abort the run: the metered stream settles with the usage so far. */
  abort(reason: string): void
  /** Resolves once the stream has ended and its settlement finished (successfully or not). */
  done: Promise<void>
}

export interface StreamTracker {
  /** Register a stream; returns a function to call when it has fully finished. */
  add(stream: { abort(reason: string): void }): { finish: () => void }
  readonly size: number
  /** Resolves when no stream is open, or after `timeoutMs` with `false`. */
  drain(timeoutMs: number): Promise<boolean>
  /** Abort every open stream. */
  abortAll(reason: string): void
}

/**
 * @example
 * ```ts
 * const streams = createStreamTracker()
 * // on SIGTERM:
 * if (!(await streams.drain(10_000))) { streams.abortAll('shutdown'); await streams.drain(5_000) }
 * ```
 */
export function createStreamTracker(): StreamTracker {
  const open = new Map<number, { abort(reason: string): void }>()
  let waiters: Array<() => void> = []
  let next = 0
  const notify = () => {
    if (open.size > 0) return
    const current = waiters
    waiters = []
    for (const w of current) w()
  }
  return {
    add(stream) {
      const id = next++
      open.set(id, stream)
      let finished = false
      return {
        finish: () => {
          if (finished) return
          finished = true
          open.delete(id)
          notify()
        },
      }
    },
    get size() {
      return open.size
    },
    drain(timeoutMs) {
      if (open.size === 0) return Promise.resolve(true)
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== done)
          resolve(false)
        }, timeoutMs)
        const done = () => {
          clearTimeout(timer)
          resolve(true)
        }
        waiters.push(done)
      })
    },
    abortAll(reason) {
      for (const stream of open.values()) stream.abort(reason)
    },
  }
}

/**
 * A child logger that is created on first use. With the logger's redaction on, `logger.child()` costs tens of
 * microseconds (pino runs the bindings through the redactor), and most requests never log from a handler:
 * only the ones that do should pay for their child.
 */
import type { Logger } from '@10xstudent/logger'

/**
 * @example
 * ```ts
 * const log = lazyChildLogger(logger, { requestId })
 * // no child exists yet; the first call creates it, later calls reuse it
 * log.info({ userId }, 'Chat settled')
 * ```
 */
export function lazyChildLogger(parent: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined
  const target = (): Logger => {
    child ??= parent.child(bindings)
    return child
  }
  // Invariant: every read, write and `in` check is forwarded to the one child, so the proxy behaves as it.
  return new Proxy(Object.create(null) as Logger, {
    get(_, property) {
      const real = target()
      const value = Reflect.get(real, property, real)
      return typeof value === 'function' ? value.bind(real) : value
    },
    set: (_, property, value) => Reflect.set(target(), property, value),
    has: (_, property) => Reflect.has(target(), property),
  })
}

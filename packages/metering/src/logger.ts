import { createLogger } from '@10xstudent/logger'

/**
 * The logging surface metering needs. A pino logger (e.g. `@10xstudent/logger`'s `logger` or a
 * `logger.child({ requestId })`) satisfies it; so does any object with these methods.
 */
export interface MeteringLogger {
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
  debug?(obj: object, msg?: string): void
}

let fallback: MeteringLogger | undefined

/**
 * The logger to use when none is injected: created on first use (never at import time) so a library
 * consumer that always injects one never builds a pino instance.
 */
export function resolveLogger(logger: MeteringLogger | undefined): MeteringLogger {
  if (logger) return logger
  fallback ??= createLogger({ name: '@10xstudent/metering' }) as unknown as MeteringLogger
  return fallback
}

/** Log without ever throwing: a broken logger must not break metering or the user's stream. */
export function safeLog(
  logger: MeteringLogger,
  level: 'info' | 'warn' | 'error' | 'debug',
  obj: object,
  msg: string,
): void {
  try {
    const fn = logger[level]
    if (typeof fn === 'function') fn.call(logger, obj, msg)
  } catch {
    // Nothing sensible to do: the logger itself failed.
  }
}

import type { Logger } from 'pino'

/** Bindings of a per-request or per-run child logger. */
export interface ChildBindings {
  requestId?: string | undefined
  userId?: string | undefined
  runId?: string | undefined
  [key: string]: unknown
}

/**
 * A child logger carrying `requestId`, `userId`, `runId` and any other bindings on every line. Undefined
 * bindings are dropped, so an anonymous request has no `userId: undefined` noise. Redaction still applies.
 *
 * @example
 * ```ts
 * const log = childLogger(logger, { requestId: c.get('requestId'), userId: user?.id })
 * childLogger(log, { runId }).info({ cost }, 'Credits deducted')
 * ```
 */
export function childLogger(logger: Logger, bindings: ChildBindings): Logger {
  const defined: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(bindings)) if (value !== undefined) defined[key] = value
  return logger.child(defined)
}

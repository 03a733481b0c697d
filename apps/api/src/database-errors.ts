/**
 * Is this error "the database is unreachable" (answer 503, retry later) rather than a bug (500)?
 * Delegates to `@10xstudent/database`'s classifier and walks `cause` chains, since drizzle and the ledger
 * wrap driver errors.
 */
import { isDatabaseUnavailableError } from '@10xstudent/database'

/**
 * @example
 * ```ts
 * if (isDatabaseDown(err)) return c.json({ error: { code: 'unavailable', ... } }, 503)
 * ```
 */
export function isDatabaseDown(err: unknown): boolean {
  let current: unknown = err
  for (let depth = 0; depth < 5 && current; depth++) {
    if (isDatabaseUnavailableError(current)) return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}

/**
 * Recognising "the database is not there" (as opposed to "the query is wrong"), so callers can answer 503 and
 * retry with the same idempotency key instead of answering 500.
 */

/** Thrown by the pg client when no connection can be made; names the server URL without its password. */
export class DatabaseUnavailableError extends Error {
  readonly code = 'database_unavailable'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'DatabaseUnavailableError'
  }
}

// Node socket errors seen when the server is down, restarting or unreachable.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'database_unavailable',
])

// SQLSTATEs meaning the server went away or refuses connections for now (not a bad query):
// 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 53300 too_many_connections,
// 53000 insufficient_resources. Class 08 (connection exception) is matched by prefix below.
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '53000'])

const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'is not queryable',
  'Cannot use a pool after calling end on the pool',
  'timeout exceeded when trying to connect',
  'PGlite is closed',
]

/**
 * True when `err` (or any error in its `cause` chain, e.g. under drizzle's `DrizzleQueryError`) means the
 * database is unreachable or shutting down: connection refused/reset/terminated, admin shutdown (57P01...),
 * too many connections, a closed pool or a closed PGlite.
 *
 * @example
 * ```ts
 * try { await db.execute(sql`select 1`) }
 * catch (err) { if (isDatabaseUnavailableError(err)) return c.json({ error: 'unavailable' }, 503) }
 * ```
 */
export function isDatabaseUnavailableError(err: unknown): boolean {
  const seen = new Set<unknown>()
  let current: unknown = err
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current)
    if (current instanceof DatabaseUnavailableError) return true
    const { code, message, errors } = current as { code?: unknown; message?: unknown; errors?: unknown }
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))
        return true
    }
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return true
    // Node's AggregateError (e.g. connecting to both ::1 and 127.0.0.1 failed).
    if (Array.isArray(errors) && errors.some((e) => isDatabaseUnavailableError(e))) return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}

/** The SQLSTATE of a driver error, looking through wrappers' `cause` chain. */
export function sqlStateOf(err: unknown): { code: string; constraint?: string } | undefined {
  const seen = new Set<unknown>()
  let current: unknown = err
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current)
    const { code, constraint } = current as { code?: unknown; constraint?: unknown }
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      return typeof constraint === 'string' ? { code, constraint } : { code }
    }
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/**
 * `url` without its password (safe for logs and error messages).
 *
 * @example
 * ```ts
 * redactUrl('postgres://app:secret@db:5432/main') // 'postgres://app@db:5432/main'
 * ```
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    parsed.password = ''
    return parsed.toString()
  } catch {
    return '<unparseable database URL>'
  }
}

/**
 * 429 `rate_limited` with `Retry-After` when a key has used its requests for the minute.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { ApiError } from '../http-errors'
import type { RateLimiter } from '../rate-limit'
import type { AppEnv } from '../types'

/**
 * @example
 * ```ts
 * app.use('/api/credits', requireUser(auth), limitRequests(limiter, (c) => c.var.auth.userId))
 * ```
 */
export function limitRequests(
  limiter: RateLimiter,
  keyOf: (c: Context<AppEnv>) => string,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const decision = await limiter.consumeRequest(keyOf(c))
    if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds, 'Too many requests')
    await next()
  }
}

/** The 429 error, with `Retry-After` in seconds. */
export function rateLimited(retryAfterSeconds: number, message: string): ApiError {
  return new ApiError(
    429,
    'rate_limited',
    message,
    { retryAfterSeconds },
    { 'Retry-After': String(retryAfterSeconds) },
  )
}

/**
 * The HTTP error contract: `{ "error": { "code", "message", ...details } }`. Handlers throw {@link ApiError};
 * the app's `onError` maps it, typed credit errors and database outages to a status and this body.
 */
import { isCreditError } from '@10xstudent/domain'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { ZodError } from 'zod'
import { isDatabaseDown } from './database-errors'

export type ErrorCode =
  | 'invalid_request'
  | 'unauthorized'
  | 'insufficient_credits'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'idempotency_conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable'
  | 'internal'

export interface ErrorBody {
  error: { code: ErrorCode; message: string; [detail: string]: unknown }
}

/**
 * An error with an HTTP status and a public message. `details` are added to the error body.
 *
 * @example
 * ```ts
 * throw new ApiError(404, 'not_found', 'No such key')
 * ```
 */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode
  readonly code: ErrorCode
  readonly details: Record<string, unknown>
  readonly headers: Record<string, string>
  constructor(
    status: ContentfulStatusCode,
    code: ErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.details = details
    this.headers = headers
  }
}

/**
 * A 400 from a zod error, listing each issue's path and message (never the rejected values).
 *
 * @example
 * ```ts
 * const parsed = schema.safeParse(body)
 * if (!parsed.success) throw invalidRequest(parsed.error)
 * ```
 */
export function invalidRequest(error: ZodError, prefix: Array<string | number> = []): ApiError {
  return new ApiError(400, 'invalid_request', 'The request is invalid', {
    issues: error.issues.map((i) => ({
      path: [...prefix, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
      message: i.message,
    })),
  })
}

/**
 * A 400 for one field.
 *
 * @example
 * ```ts
 * throw badField(['model'], 'Unknown model "gpt-9"')
 * ```
 */
export function badField(path: Array<string | number>, message: string): ApiError {
  return new ApiError(400, 'invalid_request', message, { issues: [{ path, message }] })
}

/** Map any thrown value to a status and body. Unknown errors become 500 with only the request id. */
export function toErrorResponse(
  err: unknown,
  requestId: string,
): { status: ContentfulStatusCode; body: ErrorBody; headers: Record<string, string>; expected: boolean } {
  if (err instanceof ApiError) {
    return {
      status: err.status,
      body: { error: { code: err.code, message: err.message, ...err.details } },
      headers: err.headers,
      expected: err.status < 500 || err.code === 'unavailable',
    }
  }
  if (isCreditError(err)) {
    const e = err as unknown as { code: string; message: string; required?: number; balance?: number }
    switch (e.code) {
      case 'insufficient_credits':
        return expected(402, 'insufficient_credits', e.message, { required: e.required, balance: e.balance })
      case 'idempotency_conflict':
      case 'hold_not_active':
        return expected(409, 'idempotency_conflict', e.message)
      case 'unknown_model':
      case 'invalid_amount':
      case 'invalid_argument':
        return expected(400, 'invalid_request', e.message)
      case 'user_not_found':
      case 'hold_not_found':
        return expected(404, 'not_found', e.message)
      case 'ledger_unavailable':
        return expected(503, 'unavailable', 'The service is temporarily unavailable; retry shortly')
    }
  }
  if (isDatabaseDown(err)) {
    return expected(503, 'unavailable', 'The service is temporarily unavailable; retry shortly')
  }
  return {
    status: 500,
    body: { error: { code: 'internal', message: 'Internal error', requestId } },
    headers: {},
    expected: false,
  }
}

function expected(
  status: ContentfulStatusCode,
  code: ErrorCode,
  message: string,
  details: Record<string, unknown> = {},
) {
  return { status, body: { error: { code, message, ...details } }, headers: {}, expected: true }
}

import type { ApiErrorBody } from './api-types'

/**
 * An HTTP error from the API, carrying the parsed `{ error: { code, message, ... } }` body so the UI can react
 * to the code (e.g. `insufficient_credits` opens the top-up panel) instead of string-matching messages.
 *
 * @example
 * ```ts
 * if (err instanceof ApiError && err.code === 'insufficient_credits') showTopUp(err.body.required)
 * ```
 */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message)
  }

  get code(): string {
    return this.body.code
  }
}

/**
 * Turn a non-OK response into an {@link ApiError}. Never throws itself: a body that is not the documented error
 * envelope (a proxy's HTML page, an empty 502) still yields an error with a useful code and message.
 *
 * @example
 * ```ts
 * if (!res.ok) throw await apiErrorFromResponse(res)
 * ```
 */
export async function apiErrorFromResponse(res: Response): Promise<ApiError> {
  let parsed: unknown
  try {
    parsed = await res.json()
  } catch {
    parsed = undefined
  }
  return new ApiError(res.status, parseErrorBody(parsed, res.status))
}

/**
 * Read the documented error envelope out of any JSON value, falling back to a generic body.
 *
 * @example
 * ```ts
 * parseErrorBody({ error: { code: 'unauthorized', message: 'Bad key' } }, 401).code // 'unauthorized'
 * ```
 */
export function parseErrorBody(value: unknown, status: number): ApiErrorBody {
  const error = isRecord(value) && isRecord(value.error) ? value.error : undefined
  const code = typeof error?.code === 'string' ? error.code : `http_${status}`
  const message =
    typeof error?.message === 'string' && error.message.length > 0
      ? error.message
      : `Request failed (${status})`
  const body: ApiErrorBody = { ...(error ?? {}), code, message }
  if (error && !isWholeNumber(error.required)) delete body.required
  if (error && !isWholeNumber(error.balance)) delete body.balance
  return body
}

/** Whether `err` is the API's 402: the caller cannot afford the request. */
export function isInsufficientCredits(err: unknown): err is ApiError {
  return err instanceof ApiError && (err.code === 'insufficient_credits' || err.status === 402)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isWholeNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value)
}

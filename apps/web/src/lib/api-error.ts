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

/**
 * The {@link ApiError} in `err` or its `cause` chain. The chat client wraps what the fetch layer throws (e.g. in a
 * "Stream response body read failed" error), so the API's answer may sit a level or two down.
 *
 * @example
 * ```ts
 * findApiError(new Error('wrapped', { cause: apiError })) === apiError
 * ```
 */
export function findApiError(err: unknown): ApiError | undefined {
  let current: unknown = err
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof ApiError) return current
    current = current instanceof Error ? current.cause : undefined
  }
  return undefined
}

/**
 * The API's 402 (the caller cannot afford the request) in `err` or its cause chain.
 *
 * @example
 * ```ts
 * const denied = insufficientCreditsOf(error)
 * if (denied) show(denied.body.required, denied.body.balance)
 * ```
 */
export function insufficientCreditsOf(err: unknown): ApiError | undefined {
  const api = findApiError(err)
  return api && (api.code === 'insufficient_credits' || api.status === 402) ? api : undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isWholeNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value)
}

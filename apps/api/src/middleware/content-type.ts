/**
 * 415 for a request body that is not JSON. Requests without a body (no Content-Length and no
 * Transfer-Encoding) pass, so `POST /api/demo/session` works with an empty body.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { ApiError } from '../http-errors'
import type { AppEnv } from '../types'

/**
 * @example
 * ```ts
 * app.use('/api/*', requireJsonBody())
 * ```
 */
export function requireJsonBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const method = c.req.method
    if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
      const type = c.req.header('content-type') ?? ''
      if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type) && (await hasBody(c))) {
        throw new ApiError(415, 'unsupported_media_type', 'The request body must be application/json')
      }
    }
    await next()
  }
}

/**
 * Whether the request carries a body. Headers answer it on the wire; a Request built in process (tests,
 * other runtimes) may have neither header, so the body is read (Hono caches it for the handler's `json()`).
 * The body limit middleware runs first, so this never reads more than the limit.
 */
async function hasBody(c: Context<AppEnv>): Promise<boolean> {
  const length = c.req.header('content-length')
  if (length !== undefined) return length.trim() !== '0'
  if (c.req.header('transfer-encoding') !== undefined) return (await c.req.text()).length > 0
  if (c.req.raw.body === null) return false
  return (await c.req.text()).length > 0
}

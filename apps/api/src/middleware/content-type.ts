/**
 * 415 for a request body that is not JSON. Requests without a body (no Content-Length and no
 * Transfer-Encoding) pass, so `POST /api/demo/session` works with an empty body.
 */
import type { MiddlewareHandler } from 'hono'
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
      const length = c.req.header('content-length')
      const hasBody =
        length !== undefined
          ? length !== '0'
          : c.req.header('transfer-encoding') !== undefined || c.req.raw.body !== null
      const type = c.req.header('content-type') ?? ''
      if (hasBody && !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
        throw new ApiError(415, 'unsupported_media_type', 'The request body must be application/json')
      }
    }
    await next()
  }
}

/**
 * Request id and request logging. Every response carries `X-Request-Id` (a well-formed incoming one is
 * kept so traces join up across services). One log line per request: id, user id, method, route pattern,
 * status and duration. Never headers, bodies, query values or prompt text: keys and prompts stay out of logs.
 */
import { randomUUID } from 'node:crypto'
import { childLogger, type Logger } from '@10xstudent/logger'
import type { Context, MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import type { Metrics } from '../metrics'
import type { AppEnv } from '../types'

const INCOMING_ID = /^[A-Za-z0-9._-]{8,64}$/
/** Polled by orchestrators and scrapers: logged at debug so they do not drown real traffic. */
const PROBES = new Set(['/healthz', '/readyz', '/metrics'])

/**
 * @example
 * ```ts
 * app.use('*', requestContext({ logger, metrics }))
 * ```
 */
export function requestContext(options: { logger: Logger; metrics: Metrics }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now()
    const incoming = c.req.header('x-request-id')
    const requestId = incoming && INCOMING_ID.test(incoming) ? incoming : randomUUID()
    c.set('requestId', requestId)
    c.set('logger', childLogger(options.logger, { requestId }))
    c.header('X-Request-Id', requestId)
    await next()
    // A handler may return a Response built elsewhere (the SSE stream); make sure it carries the id too.
    if (c.res.headers.get('X-Request-Id') !== requestId) {
      try {
        c.res.headers.set('X-Request-Id', requestId)
      } catch {
        c.res = new Response(c.res.body, c.res)
        c.res.headers.set('X-Request-Id', requestId)
      }
    }
    const durationMs = Math.round((performance.now() - started) * 10) / 10
    const status = c.res.status
    // The matched pattern (`/api/admin/users/:id/credits`), never the raw path with ids or query values.
    const route = routeLabel(c)
    const auth = c.get('auth') as AppEnv['Variables']['auth'] | undefined
    const line = { requestId, userId: auth?.userId, method: c.req.method, route, status, durationMs }
    if (status >= 500) options.logger.error(line, 'request failed')
    else if (PROBES.has(route)) options.logger.debug(line, 'request')
    else options.logger.info(line, 'request')
    options.metrics.httpDuration.observe(
      { method: c.req.method, route, status: String(status) },
      durationMs / 1000,
    )
  }
}

/**
 * The route pattern the request was aimed at: the last matched non-middleware route (so a 401 thrown by the
 * auth middleware is still logged as `/api/chat`), else `unmatched`. Patterns keep metric labels bounded.
 */
function routeLabel(c: Context<AppEnv>): string {
  const routes = matchedRoutes(c)
  for (let i = routes.length - 1; i >= 0; i--) {
    const r = routes[i]!
    if (r.method !== 'ALL' && r.path !== '*' && r.path !== '/*') return r.path
  }
  return 'unmatched'
}

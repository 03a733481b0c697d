/**
 * `createApp(deps)`: the whole HTTP surface as a Hono app, with every collaborator injected so tests drive it
 * through `app.request()` or a real listening server with the same wiring.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { getConnInfo } from '@hono/node-server/conninfo'
import { serveStatic } from '@hono/node-server/serve-static'
import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { ApiError, toErrorResponse } from './http-errors'
import { createMetrics, type Metrics } from './metrics'
import { createAuthenticator, requireAdmin, requireUser } from './middleware/auth'
import { requireJsonBody } from './middleware/content-type'
import { createJwtVerifier } from './middleware/jwt'
import { limitRequests } from './middleware/rate-limit'
import { requestContext } from './middleware/request-context'
import { createModelCatalog, type ModelCatalog } from './models'
import { createRateLimiter, type RateLimiter } from './rate-limit'
import { registerAccountRoutes } from './routes/account'
import { registerAdminRoutes } from './routes/admin'
import { registerChatRoute } from './routes/chat'
import { registerDemoRoutes } from './routes/demo'
import { createStreamTracker, type StreamTracker } from './stream-tracker'
import type { AppDeps, AppEnv } from './types'

export interface App {
  app: Hono<AppEnv>
  metrics: Metrics
  streams: StreamTracker
  catalog: ModelCatalog
  rateLimiter: RateLimiter
}

function clientAddress(c: Context<AppEnv>): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown'
  } catch {
    // app.request() in tests has no socket.
    return 'unknown'
  }
}

/**
 * @example
 * ```ts
 * const { app } = createApp({ config, ledger, apiKeys, logger, ping: async () => { await db.execute(sql`select 1`) } })
 * const res = await app.request('/api/credits', { headers: { authorization: `Bearer ${key}` } })
 * ```
 */
export function createApp(deps: AppDeps): App {
  const { config, logger } = deps
  const metrics = deps.metrics ?? createMetrics()
  const streams = deps.streams ?? createStreamTracker()
  const rateLimiter =
    deps.rateLimiter ??
    createRateLimiter({
      requestsPerMinute: config.rateLimitRpm,
      maxConcurrentStreams: config.maxConcurrentStreams,
      streamSlotTtlMs: config.streamSlotTtlMs,
    })
  const catalog = createModelCatalog(config, deps.createAdapter)
  const auth = createAuthenticator({
    apiKeys: deps.apiKeys,
    ledger: deps.ledger,
    jwt: config.jwt ? createJwtVerifier(config.jwt) : undefined,
    startingCredits: config.startingCredits,
  })

  const app = new Hono<AppEnv>()
  app.use('*', requestContext({ logger, metrics }))

  app.onError((err, c) => {
    const requestId = c.get('requestId') ?? 'unknown'
    const mapped = toErrorResponse(err, requestId)
    if (!mapped.expected) (c.get('logger') ?? logger).error({ err, requestId }, 'Unhandled error')
    else if (mapped.status === 503)
      (c.get('logger') ?? logger).warn({ err: String(err) }, 'Dependency unavailable')
    for (const [name, value] of Object.entries(mapped.headers)) c.header(name, value)
    return c.json(mapped.body, mapped.status)
  })
  app.notFound((c) => c.json({ error: { code: 'not_found', message: 'Not found' } }, 404))

  // Health and metrics: no auth, no rate limit (probes and scrapers call them often).
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', async (c) => {
    try {
      await deps.ping()
      return c.json({ status: 'ready' })
    } catch (err) {
      c.var.logger.warn({ err: String(err) }, 'Readiness check failed')
      return c.json({ error: { code: 'unavailable', message: 'The database is unreachable' } }, 503)
    }
  })
  app.get('/metrics', async (c) => {
    return c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType })
  })

  const api = new Hono<AppEnv>()
  api.use(
    '*',
    bodyLimit({
      maxSize: config.bodyLimitBytes,
      onError: () => {
        // The rest of the body is never read: tell the client not to reuse this connection.
        throw new ApiError(
          413,
          'payload_too_large',
          `The body exceeds ${config.bodyLimitBytes} bytes`,
          { limit: config.bodyLimitBytes },
          { Connection: 'close' },
        )
      },
    }),
  )
  api.use('*', requireJsonBody())

  const user = requireUser(auth)
  const perUser = limitRequests(rateLimiter, (c) => `user:${c.var.auth.userId}`)

  // Admin routes: the admin key, not a user credential; no per-user limit.
  const admin = new Hono<AppEnv>()
  admin.use('*', requireAdmin({ adminApiKey: config.adminApiKey, auth }))
  registerAdminRoutes(admin, deps)
  api.route('/admin', admin)

  if (config.demoMode) {
    registerDemoRoutes(api, deps, {
      user: async (c, next) => {
        await user(c, async () => {
          await perUser(c, next)
        })
      },
      sessionLimit: limitRequests(rateLimiter, (c) => `ip:${clientAddress(c)}`),
    })
  }

  api.get('/models', (c) =>
    c.json({
      models: catalog.list(),
      defaultModel: catalog.defaultModel,
      priceVersion: catalog.priceVersion,
    }),
  )

  const account = new Hono<AppEnv>()
  account.use('*', user, perUser)
  registerAccountRoutes(account, deps)
  registerChatRoute(account, { deps, catalog, limiter: rateLimiter, metrics, streams })
  api.route('/', account)

  app.route('/api', api)

  // The built web app, with an SPA fallback to index.html for client-side routes.
  const webDist = config.webDistDir
  if (existsSync(join(webDist, 'index.html'))) {
    app.use('*', async (c, next) => {
      if (c.req.path.startsWith('/api/')) return next()
      return serveStatic({ root: webDist })(c, next)
    })
    app.get('*', async (c, next) => {
      if (c.req.path.startsWith('/api/')) return next()
      return serveStatic({ root: webDist, path: 'index.html' })(c, next)
    })
    logger.info({ webDist }, 'Serving the web app')
  }

  return { app, metrics, streams, catalog, rateLimiter }
}

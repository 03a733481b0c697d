/**
 * Demo-only routes (mounted only when `DEMO_MODE` is on): an anonymous session with starting credits, and a
 * fixed top-up applied once per idempotency key.
 */
import { randomUUID } from 'node:crypto'
import { idempotencyKeySchema } from '@10xstudent/domain'
import type { Hono, MiddlewareHandler } from 'hono'
import { ApiError, invalidRequest } from '../http-errors'
import type { AppDeps, AppEnv } from '../types'
import { jsonBody } from './admin'

/**
 * @example
 * ```ts
 * registerDemoRoutes(api, deps, { user: requireUser(auth), sessionLimit })
 * ```
 */
export function registerDemoRoutes(
  app: Hono<AppEnv>,
  deps: AppDeps,
  guards: { user: MiddlewareHandler<AppEnv>; sessionLimit: MiddlewareHandler<AppEnv> },
): void {
  const { ledger, apiKeys, config } = deps

  app.post('/demo/session', guards.sessionLimit, async (c) => {
    await jsonBody(c) // the body is ignored, but malformed JSON is still a 400
    const userId = `demo_${randomUUID()}`
    const user = await ledger.ensureUser({ userId, initialCredits: config.startingCredits })
    const key = await apiKeys.create({ userId, name: 'demo session' })
    c.var.logger.info({ userId }, 'Demo session created')
    return c.json({ userId, apiKey: key.key, credits: user.credits }, 201)
  })

  app.post('/demo/top-up', guards.user, async (c) => {
    const body = (await jsonBody(c)) as { idempotencyKey?: unknown }
    const raw = c.req.header('idempotency-key') ?? body?.idempotencyKey
    if (raw === undefined) {
      throw new ApiError(400, 'invalid_request', 'An Idempotency-Key header is required', {
        issues: [{ path: ['headers', 'idempotency-key'], message: 'required' }],
      })
    }
    const key = idempotencyKeySchema.safeParse(raw)
    if (!key.success) throw invalidRequest(key.error, ['headers', 'idempotency-key'])
    const result = await ledger.grant({
      userId: c.var.auth.userId,
      amount: config.demoTopUpCredits,
      idempotencyKey: `demo-top-up:${key.data}`,
      operation: 'demo_top_up',
      reason: 'demo top-up',
    })
    return c.json({
      balance: result.balance,
      credits: result.balance,
      added: result.replayed ? 0 : config.demoTopUpCredits,
      entryId: result.entryId,
      replayed: result.replayed,
    })
  })
}

/**
 * The caller's own account: credits, usage history, usage summary. Every query is keyed by the
 * authenticated user id, never by an id from the request, so one user cannot read another's data.
 */
import { paginationSchema } from '@10xstudent/domain'
import type { Hono } from 'hono'
import { z } from 'zod'
import { invalidRequest } from '../http-errors'
import type { AppDeps, AppEnv } from '../types'

const summaryQuery = z.object({
  days: z
    .string()
    .regex(/^\d{1,3}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(366))
    .default(30),
})

/**
 * @example
 * ```ts
 * registerAccountRoutes(api, deps)
 * ```
 */
export function registerAccountRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  const { ledger, config } = deps

  app.get('/credits', async (c) => {
    const { credits, held } = await ledger.balance(c.var.auth.userId)
    return c.json({
      credits,
      held,
      lowCreditThreshold: config.lowCreditThreshold,
      low: credits < config.lowCreditThreshold,
    })
  })

  app.get('/usage', async (c) => {
    const query = paginationSchema.safeParse(c.req.query())
    if (!query.success) throw invalidRequest(query.error, ['query'])
    const page = await ledger.history(c.var.auth.userId, {
      limit: query.data.limit,
      ...(query.data.cursor ? { cursor: query.data.cursor } : {}),
    })
    return c.json({
      items: page.items.map((e) => ({
        id: e.id,
        kind: e.kind,
        operation: e.operation,
        delta: e.delta,
        cost: e.cost,
        balanceAfter: e.balanceAfter,
        tokensUsed: e.tokensUsed,
        model: e.model,
        pools: e.pools,
        finishReason: e.finishReason,
        estimated: e.estimated,
        shortfall: e.shortfall,
        runId: e.runId,
        reason: typeof e.metadata?.reason === 'string' ? e.metadata.reason : null,
        createdAt: e.createdAt,
      })),
      nextCursor: page.nextCursor,
    })
  })

  app.get('/usage/summary', async (c) => {
    const query = summaryQuery.safeParse(c.req.query())
    if (!query.success) throw invalidRequest(query.error, ['query'])
    const days = await ledger.summary(c.var.auth.userId, { days: query.data.days })
    return c.json({ days })
  })
}

/**
 * Operator routes behind `ADMIN_API_KEY`: create users (with a first API key, shown once), grant credits,
 * issue and revoke keys. Credit movements go through the ledger, with the caller's idempotency key.
 */
import { randomUUID } from 'node:crypto'
import { creditAmountSchema, idempotencyKeySchema, idSchema } from '@10xstudent/domain'
import type { Hono } from 'hono'
import { z } from 'zod'
import { ApiError, invalidRequest } from '../http-errors'
import type { AppDeps, AppEnv, CreatedApiKey } from '../types'

const keyName = z.string().trim().min(1).max(100)

const createUserBody = z.object({
  userId: idSchema.optional(),
  /** Starting credits; default `STARTING_CREDITS`. 0 is allowed (no grant is written). */
  credits: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  keyName: keyName.optional(),
})

const grantBody = z.object({
  amount: creditAmountSchema,
  reason: z.string().trim().min(1).max(500),
  idempotencyKey: idempotencyKeySchema,
})

const createKeyBody = z.object({ name: keyName.optional() })

/** Parse an optional JSON body: an empty body is `{}`. */
export async function jsonBody(c: { req: { text(): Promise<string> } }): Promise<unknown> {
  const text = await c.req.text()
  if (text.trim() === '') return {}
  try {
    return JSON.parse(text)
  } catch {
    throw new ApiError(400, 'invalid_request', 'The body is not valid JSON')
  }
}

/** The one-time view of a new key. */
export function keyView(key: CreatedApiKey) {
  return { id: key.id, key: key.key, prefix: key.prefix, name: key.name, createdAt: key.createdAt }
}

/**
 * @example
 * ```ts
 * registerAdminRoutes(adminApp, deps)
 * ```
 */
export function registerAdminRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  const { ledger, apiKeys, config } = deps

  const parseId = (value: string, name: string) => {
    const id = idSchema.safeParse(value)
    if (!id.success) throw invalidRequest(id.error, ['params', name])
    return id.data
  }

  /** 404 unless the user exists (ledger.balance throws UserNotFoundError, mapped to 404). */
  const requireUserExists = (userId: string) => ledger.balance(userId)

  app.post('/users', async (c) => {
    const body = createUserBody.safeParse(await jsonBody(c))
    if (!body.success) throw invalidRequest(body.error)
    const userId = body.data.userId ?? `user_${randomUUID()}`
    const created = await ledger.ensureUser({
      userId,
      initialCredits: body.data.credits ?? config.startingCredits,
    })
    if (!created.created) throw new ApiError(409, 'conflict', `User ${userId} already exists`)
    const key = await apiKeys.create({ userId, name: body.data.keyName ?? 'default' })
    c.var.logger.info({ userId, keyId: key.id }, 'Admin created user')
    return c.json({ user: { id: userId, credits: created.credits }, apiKey: keyView(key) }, 201)
  })

  app.post('/users/:id/credits', async (c) => {
    const userId = parseId(c.req.param('id'), 'id')
    const body = grantBody.safeParse(await jsonBody(c))
    if (!body.success) throw invalidRequest(body.error)
    await requireUserExists(userId)
    const result = await ledger.grant({
      userId,
      amount: body.data.amount,
      idempotencyKey: `admin-grant:${body.data.idempotencyKey}`,
      operation: 'admin_grant',
      reason: body.data.reason,
    })
    c.var.logger.info({ userId, amount: body.data.amount, entryId: result.entryId }, 'Admin granted credits')
    return c.json({ balance: result.balance, entryId: result.entryId, replayed: result.replayed })
  })

  app.post('/users/:id/keys', async (c) => {
    const userId = parseId(c.req.param('id'), 'id')
    const body = createKeyBody.safeParse(await jsonBody(c))
    if (!body.success) throw invalidRequest(body.error)
    await requireUserExists(userId)
    const key = await apiKeys.create({ userId, name: body.data.name ?? 'default' })
    c.var.logger.info({ userId, keyId: key.id }, 'Admin created key')
    return c.json({ apiKey: keyView(key) }, 201)
  })

  app.delete('/keys/:id', async (c) => {
    const keyId = c.req.param('id')
    // Key ids are UUIDs; anything else cannot exist (and must not reach SQL as a malformed uuid).
    if (!z.uuid().safeParse(keyId).success) throw new ApiError(404, 'not_found', 'No such key')
    const revoked = await apiKeys.revoke(keyId)
    if (!revoked) throw new ApiError(404, 'not_found', 'No such key')
    c.var.logger.info({ keyId }, 'Admin revoked key')
    return c.json({ revoked: true, id: keyId })
  })
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { assertId, InvalidArgumentError } from '@10xstudent/domain'
import { and, desc, eq, isNull, sql } from 'drizzle-orm'
import type { Database } from './client'
import { apiKeys } from './schema/index'

/** The secret's fixed prefix: recognisable in logs and by secret scanners. */
export const API_KEY_PREFIX = 'sk_10x_'
// 32 random bytes in base64url = 43 characters.
const API_KEY_RE = /^sk_10x_[A-Za-z0-9_-]{43}$/
const DISPLAY_PREFIX_LENGTH = 12
// last_used_at is a hint for humans; writing it on every request would turn each auth into a write.
const LAST_USED_RESOLUTION_MS = 60_000

export interface CreatedApiKey {
  id: string
  /** The full secret. Shown once: only its hash is stored. */
  key: string
  /** First characters of the key, safe to display. */
  prefix: string
  name: string
  createdAt: Date
}

export interface ApiKeyInfo {
  id: string
  name: string
  prefix: string
  createdAt: Date
  lastUsedAt: Date | null
  revokedAt: Date | null
}

export interface ApiKeyStore {
  /** Create a key for an existing user; the returned `key` is the only copy of the secret. */
  create(input: { userId: string; name: string }): Promise<CreatedApiKey>
  /** The key's owner, or null for a malformed, unknown or revoked key. */
  verify(key: string): Promise<{ keyId: string; userId: string } | null>
  /** Revoke a key (only the owner's when `userId` is given). True when this call revoked it. */
  revoke(keyId: string, options?: { userId?: string }): Promise<boolean>
  /** The user's keys, newest first, without secrets. */
  list(userId: string): Promise<ApiKeyInfo[]>
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * API keys stored as SHA-256 hashes. Verification looks the hash up through a unique index (a high-entropy
 * secret needs no slow KDF; the lookup by hash reveals nothing about other keys) and compares the hashes in
 * constant time before trusting the row.
 *
 * @example
 * ```ts
 * const keys = createApiKeys(db)
 * const { key } = await keys.create({ userId: 'user_1', name: 'CI' })
 * const who = await keys.verify(key) // { keyId, userId }
 * ```
 */
export function createApiKeys(db: Database): ApiKeyStore {
  return {
    async create({ userId, name }) {
      const owner = assertId('userId', userId)
      if (typeof name !== 'string' || name.trim().length === 0 || name.length > 100)
        throw new InvalidArgumentError('name', 'must be 1-100 characters')
      const key = API_KEY_PREFIX + randomBytes(32).toString('base64url')
      const prefix = key.slice(0, DISPLAY_PREFIX_LENGTH)
      const [row] = await db
        .insert(apiKeys)
        .values({ userId: owner, name: name.trim(), prefix, keyHash: hashKey(key) })
        .returning({ id: apiKeys.id, createdAt: apiKeys.createdAt, name: apiKeys.name })
      if (!row) throw new Error('api key insert returned no row')
      return { id: row.id, key, prefix, name: row.name, createdAt: row.createdAt }
    },

    async verify(key) {
      if (typeof key !== 'string' || !API_KEY_RE.test(key)) return null
      const hash = hashKey(key)
      const [row] = await db
        .select({
          id: apiKeys.id,
          userId: apiKeys.userId,
          keyHash: apiKeys.keyHash,
          lastUsedAt: apiKeys.lastUsedAt,
        })
        .from(apiKeys)
        .where(and(eq(apiKeys.keyHash, hash), isNull(apiKeys.revokedAt)))
        .limit(1)
      if (!row || !timingSafeEqual(Buffer.from(row.keyHash, 'hex'), Buffer.from(hash, 'hex'))) return null
      if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
        // Guarded so concurrent requests write at most once per minute, by the database clock.
        await db
          .update(apiKeys)
          .set({ lastUsedAt: sql`now()` })
          .where(
            and(
              eq(apiKeys.id, row.id),
              sql`(${apiKeys.lastUsedAt} is null or ${apiKeys.lastUsedAt} < now() - interval '1 minute')`,
            ),
          )
      }
      return { keyId: row.id, userId: row.userId }
    },

    async revoke(keyId, options = {}) {
      if (typeof keyId !== 'string' || !UUID_RE.test(keyId)) return false
      const owner = options.userId === undefined ? undefined : assertId('userId', options.userId)
      const rows = await db
        .update(apiKeys)
        .set({ revokedAt: sql`now()` })
        .where(
          and(
            eq(apiKeys.id, keyId),
            isNull(apiKeys.revokedAt),
            owner === undefined ? undefined : eq(apiKeys.userId, owner),
          ),
        )
        .returning({ id: apiKeys.id })
      return rows.length > 0
    },

    async list(userId) {
      const owner = assertId('userId', userId)
      return db
        .select({
          id: apiKeys.id,
          name: apiKeys.name,
          prefix: apiKeys.prefix,
          createdAt: apiKeys.createdAt,
          lastUsedAt: apiKeys.lastUsedAt,
          revokedAt: apiKeys.revokedAt,
        })
        .from(apiKeys)
        .where(eq(apiKeys.userId, owner))
        .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
    },
  }
}

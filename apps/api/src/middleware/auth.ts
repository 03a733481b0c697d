/**
 * Authentication. `Authorization: Bearer <credential>` where the credential is an API key (verified by its
 * hash in the database) or a JWT (see jwt.ts). JWT users unknown to the ledger are created on first use with
 * the starting credits; `ensureUser` makes that exactly-once under concurrency. Admin routes compare the
 * admin key in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { idSchema } from '@10xstudent/domain'
import type { MiddlewareHandler } from 'hono'
import { ApiError } from '../http-errors'
import type { ApiKeys, AppEnv, AppLedger, AuthContext } from '../types'
import { type JwtVerifier, looksLikeJwt } from './jwt'

/** Users known to exist; skips an `ensureUser` round trip per JWT request. Bounded. */
const KNOWN_USERS_MAX = 10_000

export interface Authenticator {
  /** Resolve a bearer credential to a user, or `null`. */
  authenticate(token: string): Promise<AuthContext | null>
}

/**
 * @example
 * ```ts
 * const auth = createAuthenticator({ apiKeys, ledger, jwt: createJwtVerifier(settings), startingCredits: 100 })
 * app.use('/api/credits', requireUser(auth))
 * ```
 */
export function createAuthenticator(options: {
  apiKeys: ApiKeys
  ledger: Pick<AppLedger, 'ensureUser'>
  jwt?: JwtVerifier | undefined
  startingCredits: number
}): Authenticator {
  const knownUsers = new Set<string>()
  return {
    async authenticate(token) {
      if (options.jwt && looksLikeJwt(token)) {
        const claims = await options.jwt(token)
        if (!claims) return null
        const userId = idSchema.safeParse(claims.sub)
        if (!userId.success) return null
        if (!knownUsers.has(userId.data)) {
          await options.ledger.ensureUser({ userId: userId.data, initialCredits: options.startingCredits })
          if (knownUsers.size >= KNOWN_USERS_MAX) knownUsers.clear()
          knownUsers.add(userId.data)
        }
        return { userId: userId.data, via: 'jwt' }
      }
      // Cheap shape check before a database round trip: keys are short printable tokens.
      if (token.length > 512 || !/^[\x21-\x7e]+$/.test(token)) return null
      const found = await options.apiKeys.verify(token)
      return found ? { userId: found.userId, via: 'api_key', keyId: found.keyId } : null
    },
  }
}

/** The bearer token of a request, or `undefined`. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match?.[1]
}

const unauthorized = () =>
  new ApiError(401, 'unauthorized', 'Missing or invalid credentials', {}, { 'WWW-Authenticate': 'Bearer' })

/**
 * Require a user credential; sets `c.var.auth`.
 *
 * @example
 * ```ts
 * app.get('/api/credits', requireUser(auth), handler)
 * ```
 */
export function requireUser(auth: Authenticator): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'))
    if (!token) throw unauthorized()
    const user = await auth.authenticate(token)
    if (!user) throw unauthorized()
    c.set('auth', user)
    c.set('logger', c.var.logger.child({ userId: user.userId }))
    await next()
  }
}

/** Constant-time comparison of two secrets of any length (hashing first equalises the lengths). */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest()
  const hb = createHash('sha256').update(b).digest()
  return timingSafeEqual(ha, hb)
}

/**
 * Require the admin key. A valid *user* credential gets 403 (authenticated, not allowed); anything else 401.
 * With no `ADMIN_API_KEY` configured the admin API is off (403).
 *
 * @example
 * ```ts
 * app.use('/api/admin/*', requireAdmin({ adminApiKey, auth }))
 * ```
 */
export function requireAdmin(options: {
  adminApiKey: string | undefined
  auth: Authenticator
}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'))
    if (!token) throw unauthorized()
    if (options.adminApiKey && secretsEqual(token, options.adminApiKey)) {
      await next()
      return
    }
    const user = await options.auth.authenticate(token)
    if (user) throw new ApiError(403, 'forbidden', 'This route needs the admin key')
    if (!options.adminApiKey)
      throw new ApiError(403, 'forbidden', 'The admin API is disabled (no ADMIN_API_KEY)')
    throw unauthorized()
  }
}

/**
 * JWT verification with `jose`: signature against a JWKS URL (Auth0, Supabase, Clerk's JWKS) or a PEM
 * public key (Clerk's networkless key), plus `exp`, `nbf`, `iss` and `aud`. `sub` is the user id.
 */
import { createPublicKey, type KeyObject } from 'node:crypto'
import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify } from 'jose'
import { ApiError } from '../http-errors'

export interface JwtSettings {
  jwksUrl?: string | undefined
  publicKey?: string | undefined
  issuer?: string | undefined
  audience?: string | undefined
}

/** Verifies a token and returns its subject, or `null` when the token is not acceptable. */
export type JwtVerifier = (token: string) => Promise<{ sub: string } | null>

/** Clock skew tolerated on `exp`/`nbf`. */
const CLOCK_TOLERANCE_SECONDS = 5

/**
 * @example
 * ```ts
 * const verify = createJwtVerifier({ jwksUrl: 'https://issuer/.well-known/jwks.json', issuer: 'https://issuer/' })
 * const claims = await verify(token) // { sub } or null
 * ```
 */
export function createJwtVerifier(settings: JwtSettings): JwtVerifier {
  let key: KeyObject | ReturnType<typeof createRemoteJWKSet>
  if (settings.jwksUrl) key = createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: 5000 })
  else if (settings.publicKey) key = createPublicKey(settings.publicKey)
  else throw new Error('createJwtVerifier needs jwksUrl or publicKey')

  return async (token) => {
    let payload: JWTPayload
    try {
      const verified = await jwtVerify(token, key as KeyObject, {
        ...(settings.issuer ? { issuer: settings.issuer } : {}),
        ...(settings.audience ? { audience: settings.audience } : {}),
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        // Symmetric algorithms would let anyone holding the verification key mint tokens.
        algorithms: [
          'RS256',
          'RS384',
          'RS512',
          'PS256',
          'PS384',
          'PS512',
          'ES256',
          'ES384',
          'ES512',
          'EdDSA',
        ],
      })
      payload = verified.payload
    } catch (err) {
      // The key source being unreachable is our outage, not a bad token.
      if (err instanceof joseErrors.JWKSTimeout) {
        throw new ApiError(503, 'unavailable', 'The identity provider is unreachable; retry shortly')
      }
      if (err instanceof joseErrors.JOSEError) return null
      // Anything else (a failed JWKS fetch surfaces as a TypeError) is an outage of the key source.
      throw new ApiError(503, 'unavailable', 'The identity provider is unreachable; retry shortly')
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) return null
    return { sub: payload.sub }
  }
}

/** A compact JWS: three base64url segments, the header starting with `{"` (`eyJ`). */
export function looksLikeJwt(token: string): boolean {
  return /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)
}

/**
 * JWT authentication with real keys: a PEM public key (Clerk's networkless mode) and a JWKS served over
 * HTTP. Checks signature, exp, nbf, iss and aud; `sub` is the user id; first use creates the user with the
 * starting credits exactly once, even under concurrency.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../src/app'
import { testConfig } from '../src/config'
import { createHarness, type Harness, type Json } from './helpers'

const ISSUER = 'https://issuer.example'
const AUDIENCE = 'tenx-api'

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>
type SigningKey = KeyPair['privateKey'] | Uint8Array

let h: Harness
let keys: KeyPair
let otherKeys: KeyPair
let pemApp: App
let jwksApp: App
let jwksServer: Server

const sign = (
  claims: { sub?: string; iss?: string; aud?: string; exp?: number; nbf?: number } = {},
  key: SigningKey = keys.privateKey,
  alg = 'ES256',
) => {
  const now = Math.floor(Date.now() / 1000)
  const jwt = new SignJWT({})
    .setProtectedHeader({ alg, kid: 'k1' })
    .setIssuer(claims.iss ?? ISSUER)
    .setAudience(claims.aud ?? AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(claims.exp ?? now + 300)
  if (claims.sub !== '') jwt.setSubject(claims.sub ?? 'user_jwt_1')
  if (claims.nbf !== undefined) jwt.setNotBefore(claims.nbf)
  return jwt.sign(key)
}

const credits = (app: App, token: string) =>
  app.app.request('/api/credits', { headers: { authorization: `Bearer ${token}` } })

beforeAll(async () => {
  h = await createHarness({ database: 'pglite' })
  keys = await generateKeyPair('ES256', { extractable: true })
  otherKeys = await generateKeyPair('ES256', { extractable: true })
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }
  jwksServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ keys: [jwk] }))
  })
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve))
  const { port } = jwksServer.address() as AddressInfo
  const deps = { ledger: h.ledger, apiKeys: h.apiKeys, logger: h.logger, ping: async () => {} }
  pemApp = createApp({
    ...deps,
    config: testConfig({
      startingCredits: 25,
      jwt: { publicKey: await exportSPKI(keys.publicKey), issuer: ISSUER, audience: AUDIENCE },
    }),
  })
  jwksApp = createApp({
    ...deps,
    config: testConfig({
      startingCredits: 25,
      jwt: { jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`, issuer: ISSUER, audience: AUDIENCE },
    }),
  })
})
afterAll(async () => {
  await new Promise<void>((resolve) => jwksServer?.close(() => resolve()))
  await h?.close()
})

describe('JWT authentication', () => {
  it('a valid token (PEM key) authenticates its sub and creates the user with the starting credits', async () => {
    const res = await credits(pemApp, await sign({ sub: 'user_pem_1' }))
    expect(res.status).toBe(200)
    expect((await res.json()) as Json).toMatchObject({ credits: 25, held: 0 })
    // A second request does not grant again.
    await credits(pemApp, await sign({ sub: 'user_pem_1' }))
    const grants = (await h.ledger.history('user_pem_1')).items.filter((e) => e.kind === 'grant')
    expect(grants).toHaveLength(1)
  })

  it('a valid token verified through a JWKS URL works', async () => {
    const res = await credits(jwksApp, await sign({ sub: 'user_jwks_1' }))
    expect(res.status).toBe(200)
    expect(((await res.json()) as Json).credits).toBe(25)
  })

  it('creates a new user exactly once under 20 concurrent first requests', async () => {
    const token = await sign({ sub: 'user_concurrent_1' })
    const statuses = await Promise.all(
      Array.from({ length: 20 }, async () => (await credits(pemApp, token)).status),
    )
    expect(statuses.every((s) => s === 200)).toBe(true)
    expect(await h.ledger.balance('user_concurrent_1')).toEqual({ credits: 25, held: 0 })
    const entries = (await h.ledger.history('user_concurrent_1')).items
    expect(entries.filter((e) => e.kind === 'grant')).toHaveLength(1)
  })

  const now = () => Math.floor(Date.now() / 1000)
  const rejected: Array<[string, () => Promise<string>]> = [
    ['expired', () => sign({ exp: now() - 60 })],
    ['not yet valid (nbf)', () => sign({ nbf: now() + 600 })],
    ['wrong issuer', () => sign({ iss: 'https://evil.example' })],
    ['wrong audience', () => sign({ aud: 'someone-else' })],
    ['signed by another key', () => sign({}, otherKeys.privateKey)],
    ['no sub', () => sign({ sub: '' })],
    ['HS256 with a guessable secret', () => sign({}, new TextEncoder().encode('secret'), 'HS256')],
    [
      'tampered payload',
      async () => {
        const [header, , signature] = (await sign()).split('.')
        const payload = Buffer.from(
          JSON.stringify({ sub: 'admin', iss: ISSUER, aud: AUDIENCE, exp: now() + 300 }),
        ).toString('base64url')
        return `${header}.${payload}.${signature}`
      },
    ],
    [
      'alg none',
      async () => {
        const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')
        const payload = Buffer.from(
          JSON.stringify({ sub: 'x', iss: ISSUER, aud: AUDIENCE, exp: now() + 300 }),
        ).toString('base64url')
        return `${header}.${payload}.`
      },
    ],
  ]

  it.each(rejected)('rejects a token that is %s with 401, creating nobody', async (_name, make) => {
    const token = await make()
    for (const app of [pemApp, jwksApp]) {
      const res = await credits(app, token)
      expect(res.status).toBe(401)
      expect(((await res.json()) as Json).error.code).toBe('unauthorized')
    }
    await expect(h.ledger.balance('admin')).rejects.toThrow()
  })

  it('an unreachable JWKS URL is an outage (503), not a bad token', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const { port } = closed.address() as AddressInfo
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const down = createApp({
      ledger: h.ledger,
      apiKeys: h.apiKeys,
      logger: h.logger,
      ping: async () => {},
      config: testConfig({
        jwt: { jwksUrl: `http://127.0.0.1:${port}/jwks`, issuer: ISSUER, audience: AUDIENCE },
      }),
    })
    const res = await credits(down, await sign({ sub: 'user_jwks_down' }))
    expect(res.status).toBe(503)
    expect(((await res.json()) as Json).error.code).toBe('unavailable')
  })

  it('API keys keep working alongside JWTs', async () => {
    const u = await h.user(3)
    const res = await pemApp.app.request('/api/credits', { headers: u.headers })
    expect(((await res.json()) as Json).credits).toBe(3)
  })
})

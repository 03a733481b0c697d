import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config'

describe('loadConfig', () => {
  it('applies defaults for an empty environment', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({
      port: 3000,
      demoMode: false,
      startingCredits: 100,
      lowCreditThreshold: 10,
      rateLimitRpm: 60,
      maxConcurrentStreams: 3,
      streamSlotTtlMs: 60_000,
      bodyLimitBytes: 1024 * 1024,
      databaseUrl: undefined,
      jwt: undefined,
    })
    expect(config.webDistDir).toMatch(/apps\/web\/dist$/)
  })

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '', DEMO_MODE: '' }).port).toBe(3000)
  })

  it.each([
    ['DEMO_MODE', '1', true],
    ['DEMO_MODE', 'true', true],
    ['DEMO_MODE', 'off', false],
    ['PORT', '0', 0],
    ['RATE_LIMIT_RPM', '5', 5],
    ['STREAM_SLOT_TTL_MS', '1500', 1500],
  ])('parses %s=%s', (name, value, expected) => {
    const config = loadConfig({ [name]: value }) as unknown as Record<string, unknown>
    const key = {
      DEMO_MODE: 'demoMode',
      PORT: 'port',
      RATE_LIMIT_RPM: 'rateLimitRpm',
      STREAM_SLOT_TTL_MS: 'streamSlotTtlMs',
    }[name] as string
    expect(config[key]).toBe(expected)
  })

  it('prefers GEMINI_API_KEY over GOOGLE_API_KEY', () => {
    expect(loadConfig({ GOOGLE_API_KEY: 'g', GEMINI_API_KEY: 'k' }).geminiApiKey).toBe('k')
    expect(loadConfig({ GOOGLE_API_KEY: 'g' }).geminiApiKey).toBe('g')
  })

  it('names every bad variable in one error', () => {
    let error: unknown
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        DEMO_MODE: 'maybe',
        STARTING_CREDITS: '-5',
        ADMIN_API_KEY: 'short',
        LOG_LEVEL: 'loud',
        BODY_LIMIT_BYTES: '1.5',
        STREAM_SLOT_TTL_MS: '500',
      })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    const variables = (error as ConfigError).problems.map((p) => p.variable).sort()
    expect(variables).toEqual(
      [
        'ADMIN_API_KEY',
        'BODY_LIMIT_BYTES',
        'DATABASE_URL',
        'DEMO_MODE',
        'LOG_LEVEL',
        'PORT',
        'STARTING_CREDITS',
        'STREAM_SLOT_TTL_MS',
      ].sort(),
    )
    expect((error as Error).message).toContain('PORT: must be a whole number')
  })

  it('rejects two JWT key sources and JWT claims without a key source', () => {
    expect(() =>
      loadConfig({ JWT_JWKS_URL: 'https://x/jwks', JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nx' }),
    ).toThrow(/JWT_PUBLIC_KEY/)
    expect(() => loadConfig({ JWT_ISSUER: 'https://issuer' })).toThrow(/JWT_JWKS_URL/)
  })

  it('unescapes one-line PEM keys', () => {
    const config = loadConfig({
      JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\\nabc\\n-----END PUBLIC KEY-----',
    })
    expect(config.jwt?.publicKey).toBe('-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----')
  })
})

/**
 * Environment configuration, validated with zod once at start. The app reads `process.env` only here
 * (and only through {@link loadConfig}'s argument), so tests build configs from plain objects.
 */
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'

const here = dirname(fileURLToPath(import.meta.url))
/** apps/web/dist relative to this file, both from src/ (tsx) and dist/ (built). */
const DEFAULT_WEB_DIST_DIR = resolve(here, '../../web/dist')

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', '']))
  .transform((v) => v === '1' || v === 'true' || v === 'yes' || v === 'on')

const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined))

const url = (protocols: string[]) =>
  optionalString.pipe(
    z
      .string()
      .url('must be a URL')
      .refine((v) => protocols.includes(new URL(v).protocol), `must use ${protocols.join(' or ')}`)
      .optional(),
  )

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  PORT: int(0, 65_535).default(3000),
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  DATABASE_POOL_SIZE: int(1, 1000).default(10),
  PGLITE_DIR: z.string().trim().min(1).default('./.data/pglite'),
  REDIS_URL: url(['redis:', 'rediss:']),
  GEMINI_API_KEY: optionalString,
  GOOGLE_API_KEY: optionalString,
  GEMINI_BASE_URL: url(['http:', 'https:']),
  DEFAULT_MODEL: optionalString,
  ADMIN_API_KEY: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  DEMO_MODE: bool.default(false),
  JWT_JWKS_URL: url(['http:', 'https:']),
  JWT_PUBLIC_KEY: optionalString.pipe(
    z
      .string()
      .refine((v) => v.includes('BEGIN PUBLIC KEY'), 'must be a PEM public key (-----BEGIN PUBLIC KEY-----)')
      .optional(),
  ),
  JWT_ISSUER: optionalString,
  JWT_AUDIENCE: optionalString,
  STARTING_CREDITS: int(0).default(100),
  LOW_CREDIT_THRESHOLD: int(0).default(10),
  DEMO_TOP_UP_CREDITS: int(1).default(100),
  DEFAULT_MAX_TOKENS: int(1, 1_000_000).default(1024),
  RATE_LIMIT_RPM: int(1).default(60),
  MAX_CONCURRENT_STREAMS: int(1).default(3),
  STREAM_SLOT_TTL_MS: int(1000).default(60_000),
  BODY_LIMIT_BYTES: int(1024).default(1024 * 1024),
  HOLD_TTL_MS: int(1000).default(10 * 60_000),
  SWEEP_INTERVAL_MS: int(0).default(30_000),
  DEMO_CHUNK_DELAY_MS: int(0, 10_000).default(30),
  PROVIDER_TIMEOUT_MS: int(1000).default(120_000),
  SHUTDOWN_TIMEOUT_MS: int(0).default(10_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WEB_DIST_DIR: z.string().trim().min(1).default(DEFAULT_WEB_DIST_DIR),
})

/** The validated configuration. */
export interface Config {
  env: 'development' | 'production' | 'test'
  host: string
  port: number
  databaseUrl: string | undefined
  databasePoolSize: number
  pgliteDir: string
  redisUrl: string | undefined
  /** `GEMINI_API_KEY`, else `GOOGLE_API_KEY`. Never logged. */
  geminiApiKey: string | undefined
  geminiBaseUrl: string | undefined
  /** Model used when a request names none: `DEFAULT_MODEL`, else the demo model. */
  defaultModel: string | undefined
  adminApiKey: string | undefined
  demoMode: boolean
  jwt: { jwksUrl?: string; publicKey?: string; issuer?: string; audience?: string } | undefined
  startingCredits: number
  lowCreditThreshold: number
  demoTopUpCredits: number
  defaultMaxTokens: number
  rateLimitRpm: number
  maxConcurrentStreams: number
  /** A stream slot not renewed for this long is free again (slots of a crashed process). */
  streamSlotTtlMs: number
  bodyLimitBytes: number
  holdTtlMs: number
  sweepIntervalMs: number
  demoChunkDelayMs: number
  providerTimeoutMs: number
  shutdownTimeoutMs: number
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  webDistDir: string
}

/** Thrown by {@link loadConfig}; the message names every bad variable. */
export class ConfigError extends Error {
  readonly problems: Array<{ variable: string; message: string }>
  constructor(problems: Array<{ variable: string; message: string }>) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n')}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}

/**
 * Validate environment variables into a {@link Config}. Unknown variables are ignored; empty strings count
 * as unset.
 *
 * @example
 * ```ts
 * const config = loadConfig(process.env) // throws ConfigError naming e.g. "PORT: must be a whole number"
 * ```
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Empty strings mean "unset", so `PORT=` falls back to the default instead of failing.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => typeof v === 'string' && v.trim() !== ''),
  )
  const parsed = envSchema.safeParse(cleaned)
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? '(env)'),
        message: issue.message,
      })),
    )
  }
  const e = parsed.data
  const problems: Array<{ variable: string; message: string }> = []
  if (e.JWT_JWKS_URL && e.JWT_PUBLIC_KEY) {
    problems.push({
      variable: 'JWT_PUBLIC_KEY',
      message: 'set either JWT_JWKS_URL or JWT_PUBLIC_KEY, not both',
    })
  }
  if ((e.JWT_ISSUER || e.JWT_AUDIENCE) && !e.JWT_JWKS_URL && !e.JWT_PUBLIC_KEY) {
    problems.push({
      variable: 'JWT_JWKS_URL',
      message: 'JWT_ISSUER/JWT_AUDIENCE are set but no key source (JWT_JWKS_URL or JWT_PUBLIC_KEY) is',
    })
  }
  if (problems.length > 0) throw new ConfigError(problems)
  const jwtConfigured = Boolean(e.JWT_JWKS_URL || e.JWT_PUBLIC_KEY)
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    pgliteDir: e.PGLITE_DIR,
    redisUrl: e.REDIS_URL,
    geminiApiKey: e.GEMINI_API_KEY ?? e.GOOGLE_API_KEY,
    geminiBaseUrl: e.GEMINI_BASE_URL,
    defaultModel: e.DEFAULT_MODEL,
    adminApiKey: e.ADMIN_API_KEY,
    demoMode: e.DEMO_MODE,
    jwt: jwtConfigured
      ? {
          jwksUrl: e.JWT_JWKS_URL,
          // Env files often carry PEMs on one line with literal "\n".
          publicKey: e.JWT_PUBLIC_KEY?.replace(/\\n/g, '\n'),
          issuer: e.JWT_ISSUER,
          audience: e.JWT_AUDIENCE,
        }
      : undefined,
    startingCredits: e.STARTING_CREDITS,
    lowCreditThreshold: e.LOW_CREDIT_THRESHOLD,
    demoTopUpCredits: e.DEMO_TOP_UP_CREDITS,
    defaultMaxTokens: e.DEFAULT_MAX_TOKENS,
    rateLimitRpm: e.RATE_LIMIT_RPM,
    maxConcurrentStreams: e.MAX_CONCURRENT_STREAMS,
    streamSlotTtlMs: e.STREAM_SLOT_TTL_MS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    holdTtlMs: e.HOLD_TTL_MS,
    sweepIntervalMs: e.SWEEP_INTERVAL_MS,
    demoChunkDelayMs: e.DEMO_CHUNK_DELAY_MS,
    providerTimeoutMs: e.PROVIDER_TIMEOUT_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
    webDistDir: e.WEB_DIST_DIR,
  }
}

/**
 * A config for tests and embedding: defaults plus overrides, without touching `process.env`.
 *
 * @example
 * ```ts
 * const config = testConfig({ rateLimitRpm: 1000, demoChunkDelayMs: 0 })
 * ```
 */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DEMO_CHUNK_DELAY_MS: '0' }),
    // Tests serve no web app unless they ask for one.
    webDistDir: '/nonexistent/web-dist',
    ...overrides,
  }
}

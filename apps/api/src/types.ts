/**
 * The app's dependencies and Hono context variables. Collaborators are typed structurally by what the app
 * uses, so tests inject the real implementations and nothing else is needed.
 */
import type { ApiKeyStore, CreatedApiKey } from '@10xstudent/database'
import type { CreditLedger } from '@10xstudent/domain'
import type { Logger } from '@10xstudent/logger'
import type { AnyTextAdapter } from '@tanstack/ai'
import type { Config } from './config'
import type { Metrics } from './metrics'
import type { RateLimiter } from './rate-limit'
import type { StreamTracker } from './stream-tracker'

/** The ledger plus the read models the API serves. */
export interface AppLedger extends CreditLedger {
  summary(
    userId: string,
    options?: { days?: number },
  ): Promise<Array<{ day: string; credits: number; tokens: number; requests: number }>>
}

export type { CreatedApiKey }

/** The part of the database key store the app uses. */
export type ApiKeys = Pick<ApiKeyStore, 'create' | 'verify' | 'revoke'>

/** Builds the text adapter for one run. Injected by tests to count or gate provider calls. */
export type AdapterFactory = (model: string, options: { maxOutputTokens: number }) => AnyTextAdapter

export interface AppDeps {
  config: Config
  ledger: AppLedger
  apiKeys: ApiKeys
  logger: Logger
  /** Resolves when the database answers a trivial query; rejects when it is unreachable. */
  ping: () => Promise<void>
  rateLimiter?: RateLimiter
  metrics?: Metrics
  streams?: StreamTracker
  /** Override the adapter choice (default: the demo model, or Gemini for Gemini models when a key is set). */
  createAdapter?: AdapterFactory
  /**
   * Benchmark only: serve `/api/chat` without reserve/settle (and so without the `credits` chunk), to measure
   * what metering costs on the same route. Only code that calls `createApp` itself can set it: the server,
   * demo and CLI wiring never do, and no environment variable reaches it.
   */
  unmeteredChatForBenchmark?: boolean
}

export interface AuthContext {
  userId: string
  via: 'api_key' | 'jwt'
  keyId?: string
}

export interface AppEnv {
  Variables: {
    requestId: string
    logger: Logger
    auth: AuthContext
  }
}

/**
 * Response shapes of `apps/api` that the web app reads. Kept local (the API is an app, and apps never import
 * each other); every field the UI relies on is validated loosely at the edge by the parsers in this folder.
 */

/** `POST /api/demo/session`. */
export interface DemoSession {
  userId: string
  apiKey: string
  credits: number
}

/** `GET /api/credits`. */
export interface CreditsResponse {
  credits: number
  held: number
  lowCreditThreshold: number
  low: boolean
}

/** One model from `GET /api/models`; prices are whole credits per million tokens. */
export interface ModelInfo {
  model: string
  label: string
  demo?: boolean
  uncachedInput: number
  output: number
  maxOutputTokens?: number
}

/** One ledger entry from `GET /api/usage`. */
export interface UsageEntry {
  id: string
  kind: string
  operation: string | null
  delta: number
  cost: number | null
  balanceAfter: number
  tokensUsed: number | null
  model: string | null
  finishReason: string | null
  estimated: boolean
  createdAt: string
  pools?: Record<string, number> | null
  reason?: string | null
  runId?: string | null
}

/** `GET /api/usage`. */
export interface UsagePage {
  items: UsageEntry[]
  nextCursor: string | null
}

/** One day of `GET /api/usage/summary`. */
export interface UsageDay {
  day: string
  credits: number
  tokens: number
  requests: number
}

/** The body of every API error: `{ error: { code, message, ... } }`. */
export interface ApiErrorBody {
  code: string
  message: string
  required?: number
  balance?: number
  [key: string]: unknown
}

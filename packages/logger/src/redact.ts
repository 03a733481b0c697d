/**
 * Redaction paths. pino's `redact` matches exact paths, and a `*` wildcard stands for one level, so "any depth"
 * means: every key below at depth 0..{@link MAX_REDACT_DEPTH}, written out explicitly (`key`, `*.key`,
 * `*.*.key`, `*.*.*.key`). Array items count as a level (`messages[0].content` is `*.*`).
 */

/** Deepest level (0 = top-level field) at which the keys below are censored. */
export const MAX_REDACT_DEPTH = 3

/** What a censored value is replaced with. */
export const REDACT_CENSOR = '[REDACTED]'

/**
 * Field names that hold credentials. HTTP header spellings come in the lower case Node uses and the
 * capitalised form some clients (axios, fetch polyfills) keep.
 */
export const SECRET_KEYS: readonly string[] = [
  'authorization',
  'Authorization',
  'proxy-authorization',
  'cookie',
  'Cookie',
  'set-cookie',
  'Set-Cookie',
  'x-api-key',
  'X-Api-Key',
  'x-goog-api-key',
  'apiKey',
  'api_key',
  'apikey',
  'password',
  'passwd',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'idToken',
  'id_token',
  'secret',
  'clientSecret',
  'client_secret',
  'privateKey',
  'private_key',
  'connectionString',
  'databaseUrl',
  'DATABASE_URL',
  'GEMINI_API_KEY',
  'GOOGLE_API_KEY',
]

/** Paths below an `auth` object (at any depth) whose `key` is a credential; `auth.userId` stays visible. */
export const SECRET_NESTED_PATHS: readonly string[] = ['auth.key']

/** Field names that carry the user's message or prompt text: censored unless `logPromptText` is on. */
export const PROMPT_TEXT_KEYS: readonly string[] = ['prompt', 'messages', 'content', 'text', 'systemPrompts']

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

/** One path segment in pino's syntax: `key` or `["x-api-key"]`. */
function segment(key: string): string {
  return IDENTIFIER.test(key) ? key : `[${JSON.stringify(key)}]`
}

/** `path` at every depth 0..MAX_REDACT_DEPTH. */
function atEveryDepth(path: string): string[] {
  const segments = path.split('.').map(segment)
  const paths: string[] = []
  for (let depth = 0; depth <= MAX_REDACT_DEPTH; depth++) {
    const parts = [...Array.from({ length: depth }, () => '*'), ...segments]
    // Bracketed segments attach without a dot: `*["x-api-key"]`.
    paths.push(
      parts.reduce(
        (acc, part) => (acc === '' ? part : part.startsWith('[') ? acc + part : `${acc}.${part}`),
        '',
      ),
    )
  }
  return paths
}

/**
 * The redaction paths a logger uses: credentials always, prompt text unless `logPromptText`, plus `extra`.
 *
 * @example
 * ```ts
 * redactPaths({ extra: ['user.email'] }) // ['authorization', '*.authorization', ..., 'user.email']
 * ```
 */
export function redactPaths(options: { logPromptText?: boolean; extra?: readonly string[] } = {}): string[] {
  const keys = options.logPromptText ? SECRET_KEYS : [...SECRET_KEYS, ...PROMPT_TEXT_KEYS]
  const paths = [...keys, ...SECRET_NESTED_PATHS].flatMap(atEveryDepth)
  return [...new Set([...paths, ...(options.extra ?? [])])]
}

/**
 * Redaction of log objects in one pass. Every line's object (and every child logger's bindings) is walked once
 * to depth {@link MAX_REDACT_DEPTH}; a key whose lower-cased name is in a precomputed `Set` is censored. This
 * replaces ~150 compiled wildcard paths (`*.*.*.authorization`, ...) that pino's path redactor walked for every
 * line at 200-280 us each; the pass costs a few microseconds and allocates nothing when there is no secret.
 *
 * Invariants:
 * - Depth 0 is a top-level field; array items count as a level (`messages[0].content` is depth 2), as in the
 *   former `*`-path syntax. Keys deeper than MAX_REDACT_DEPTH are NOT censored (they are not even visited), with
 *   one exception: the `key` of an `auth` object found at depth <= MAX_REDACT_DEPTH (depth + 1 at most).
 * - The caller's object is never mutated: only the containers on the path to a censored value are copied;
 *   everything else is shared. An object with nothing to censor is returned as is (same reference).
 * - The walk is bounded by the depth cap, so cyclic objects terminate; a reference back to an object on the
 *   current path is written `"[Circular]"` (as pino writes cycles), so the uncensored original never
 *   reappears below its censored copy. An object shared (not cyclic) deeper than the cap is not censored there.
 */

/** Deepest level (0 = top-level field) at which the keys below are censored. */
export const MAX_REDACT_DEPTH = 3

/** What a censored value is replaced with. */
export const REDACT_CENSOR = '[REDACTED]'

/**
 * Field names that hold credentials. Matching is case-insensitive (`Authorization`, `AUTHORIZATION`,
 * `X-API-KEY` all match); the capitalised spellings below are kept for compatibility of this export only.
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

/**
 * `parent.child` pairs: the `child` of a `parent` object (parent at depth 0..MAX_REDACT_DEPTH) is a credential;
 * `auth.userId` stays visible. Only two-segment paths are supported.
 */
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
 * The built-in redaction written as pino `redact` paths (credentials always, prompt text unless `logPromptText`,
 * plus `extra`), case-sensitive and with wildcards.
 *
 * @deprecated `createLogger` no longer gives these to pino (see {@link createRedactor}); kept so existing
 * callers still get the same list, e.g. to configure another pino instance. Prefer `createRedactor`.
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

const lower = (keys: readonly string[]) => keys.map((key) => key.toLowerCase())
const SECRET_SET: ReadonlySet<string> = new Set(lower(SECRET_KEYS))
const SECRET_AND_PROMPT_SET: ReadonlySet<string> = new Set(lower([...SECRET_KEYS, ...PROMPT_TEXT_KEYS]))
const NONE: ReadonlySet<string> = new Set()
/** Lower-cased parent key -> lower-cased child keys to censor inside it, from SECRET_NESTED_PATHS. */
const NESTED: ReadonlyMap<string, ReadonlySet<string>> = (() => {
  const map = new Map<string, Set<string>>()
  for (const path of SECRET_NESTED_PATHS) {
    const [parent, child] = lower(path.split('.'))
    if (parent === undefined || child === undefined) continue
    const set = map.get(parent) ?? new Set<string>()
    set.add(child)
    map.set(parent, set)
  }
  return map
})()

/** Objects worth walking: not primitives, and not binary buffers (their indices are not field names). */
function isWalkable(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)
}

/**
 * A shallow copy that serialises like `node`: plain objects spread; anything else (an Error, a class
 * instance) keeps its prototype and own non-enumerable properties, so `err` serializers and `toJSON` still
 * work on the copy. Properties are made configurable so a frozen source can still be censored in its copy.
 */
function copyOf(node: object): Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(node)
  if (proto === Object.prototype || proto === null) return { ...node } as Record<string, unknown>
  const descriptors = Object.getOwnPropertyDescriptors(node)
  for (const key of Reflect.ownKeys(descriptors))
    descriptors[key as keyof typeof descriptors]!.configurable = true
  return Object.create(proto as object | null, descriptors) as Record<string, unknown>
}

/**
 * Write `key` on a copy. A plain copy takes a plain assignment (fast, keeps V8's object shape) except for a
 * `__proto__` key, whose setter would replace the prototype; other copies may carry accessors or read-only
 * properties, so they get `defineProperty`.
 */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  const proto: unknown = Object.getPrototypeOf(target)
  if (proto === Object.prototype && key !== '__proto__') target[key] = value
  else Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })
}

/** What a field name means for the walk: censor its value, censor some of its children, or nothing. */
type KeyClass = typeof CENSOR_VALUE | ReadonlySet<string> | undefined
const CENSOR_VALUE = 1

/** Caches of the key classes per censored-name set: log lines repeat a few field names, lower-casing each once. */
const CLASS_CACHES = new Map<ReadonlySet<string>, Map<string, KeyClass>>()
/** Bound on each cache, so field names made of data (ids as keys) cannot grow it without limit. */
const CLASS_CACHE_LIMIT = 4096

function classify(
  key: string,
  keys: ReadonlySet<string>,
  cache: Map<string, KeyClass> | undefined,
): KeyClass {
  const cached = cache?.get(key)
  if (cached !== undefined || cache?.has(key)) return cached
  const name = key.toLowerCase()
  const found: KeyClass = keys.has(name) ? CENSOR_VALUE : NESTED.get(name)
  if (cache && cache.size < CLASS_CACHE_LIMIT) cache.set(key, found)
  return found
}

/**
 * Censor `node`'s fields at `depth` (the level of its own keys) and below, copy-on-write. `keys` are the
 * censored names at this level, `extra` the names censored because of the parent (`auth` -> `key`).
 */
function redactNode(
  node: object,
  depth: number,
  keys: ReadonlySet<string>,
  extra: ReadonlySet<string> | undefined,
  ancestors: object[],
): object {
  ancestors.push(node)
  const result = redactFields(node, depth, keys, extra, ancestors)
  ancestors.pop()
  return result
}

/**
 * A back-reference to an object on the current path (a cycle): written as pino's own JSON would write it. If
 * the walk followed it instead, the original (uncensored) object would appear below the copy of itself.
 */
const CIRCULAR = '[Circular]'

function redactFields(
  node: object,
  depth: number,
  keys: ReadonlySet<string>,
  extra: ReadonlySet<string> | undefined,
  ancestors: object[],
): object {
  if (Array.isArray(node)) {
    // Items are at `depth`; their own keys would be at depth + 1.
    if (depth >= MAX_REDACT_DEPTH) return node
    let copy: unknown[] | undefined
    for (let index = 0; index < node.length; index++) {
      const item: unknown = node[index]
      if (!isWalkable(item)) continue
      const next = ancestors.includes(item)
        ? CIRCULAR
        : redactNode(item, depth + 1, keys, undefined, ancestors)
      if (next !== item) {
        copy ??= node.slice()
        copy[index] = next
      }
    }
    return copy ?? node
  }
  let copy: Record<string, unknown> | undefined
  const fields = node as Record<string, unknown>
  const cache = CLASS_CACHES.get(keys)
  const names = Object.keys(fields)
  for (let index = 0; index < names.length; index++) {
    const key = names[index]!
    const value = fields[key]
    if (value === undefined) continue
    const found = classify(key, keys, cache)
    let next: unknown = value
    if (found === CENSOR_VALUE || extra?.has(key.toLowerCase())) next = REDACT_CENSOR
    else if (isWalkable(value)) {
      // Not CENSOR_VALUE here: the names to censor inside this value (`auth` -> `key`), if any.
      const nested = found
      if (ancestors.includes(value)) next = CIRCULAR
      // Below the cap only a parent's nested names (`auth` -> `key`) are still censored, one level deep.
      else if (depth < MAX_REDACT_DEPTH) next = redactNode(value, depth + 1, keys, nested, ancestors)
      else if (nested && depth === MAX_REDACT_DEPTH)
        next = redactNode(value, depth + 1, NONE, nested, ancestors)
    }
    if (next !== value) {
      copy ??= copyOf(node)
      setOwn(copy, key, next)
    }
  }
  return copy ?? node
}

/** Options of {@link createRedactor}. */
export interface RedactorOptions {
  /** Keep `prompt`, `messages`, `content`, `text`, `systemPrompts` fields (default: censor them). */
  logPromptText?: boolean
}

/**
 * Censors a value's credentials (and prompt text unless opted in) at depth 0..MAX_REDACT_DEPTH without
 * mutating it: returns the same reference when nothing matched, otherwise a copy sharing every untouched
 * container. Non-objects are returned as they are.
 */
export type Redactor = <T>(value: T) => T

/**
 * Build the one-pass redactor `createLogger` installs as pino's `formatters.log` and applies to child
 * bindings. Keys match case-insensitively against {@link SECRET_KEYS} (plus {@link PROMPT_TEXT_KEYS} unless
 * `logPromptText`) and {@link SECRET_NESTED_PATHS}; the censor is {@link REDACT_CENSOR}.
 *
 * @example
 * ```ts
 * const redact = createRedactor()
 * const input = { route: '/api/chat', headers: { Authorization: 'Bearer x', accept: 'text/event-stream' } }
 * redact(input) // { route: '/api/chat', headers: { Authorization: '[REDACTED]', accept: 'text/event-stream' } }
 * input.headers.Authorization // still 'Bearer x': the input is never mutated
 * ```
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const keys = options.logPromptText ? SECRET_SET : SECRET_AND_PROMPT_SET
  if (!CLASS_CACHES.has(keys)) CLASS_CACHES.set(keys, new Map())
  return <T>(value: T): T => (isWalkable(value) ? (redactNode(value, 0, keys, undefined, []) as T) : value)
}

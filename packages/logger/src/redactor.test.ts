import { describe, expect, it } from 'vitest'
import { createLogger } from './create-logger'
import { createRedactor, MAX_REDACT_DEPTH, REDACT_CENSOR } from './redact'
import { captureStream } from './test-stream'

const redact = createRedactor()

function logOnce(fields: unknown, options: Parameters<typeof createLogger>[0] = {}) {
  const { stream, lines, text } = captureStream()
  createLogger({ ...options, destination: stream, base: null }).info(fields, 'm')
  const [line] = lines()
  expect(line).toBeDefined()
  return { line: line!, text: text() }
}

/** `{ a: { a: ... { [key]: value } } }` with `key` at `depth`. */
function chain(depth: number, key: string, value: unknown): Record<string, unknown> {
  let node: Record<string, unknown> = { [key]: value, keep: 'visible' }
  for (let level = 0; level < depth; level++) node = { a: node }
  return node
}

describe('createRedactor', () => {
  it.each([
    'authorization',
    'Authorization',
    'AUTHORIZATION',
    'x-api-key',
    'X-Api-Key',
    'X-API-KEY',
    'x-goog-api-key',
    'X-Goog-Api-Key',
    'cookie',
    'COOKIE',
    'set-cookie',
    'Set-Cookie',
    'SET-COOKIE',
    'Proxy-Authorization',
    'apiKey',
    'APIKEY',
    'ApiKey',
    'Api_Key',
    'PASSWORD',
    'Token',
    'ACCESS_TOKEN',
    'RefreshToken',
    'Client_Secret',
    'database_url',
    'gemini_api_key',
  ])('censors the case variant %j at every depth 0..3 through a real logger', (key) => {
    for (let depth = 0; depth <= MAX_REDACT_DEPTH; depth++) {
      const { line, text } = logOnce(chain(depth, key, 'sk-live-123'))
      let node = line
      for (let level = 0; level < depth; level++) node = node.a as Record<string, unknown>
      expect(node[key]).toBe(REDACT_CENSOR)
      expect(node.keep).toBe('visible')
      expect(text).not.toContain('sk-live-123')
    }
  })

  it.each(['Prompt', 'MESSAGES', 'Content', 'TEXT', 'systemprompts'])(
    'censors prompt text under %j by default and keeps it with logPromptText',
    (key) => {
      expect(createRedactor()({ x: { [key]: 'q' } })).toEqual({ x: { [key]: REDACT_CENSOR } })
      expect(createRedactor({ logPromptText: true })({ x: { [key]: 'q' } })).toEqual({ x: { [key]: 'q' } })
    },
  )

  it('never mutates the input and shares every untouched container', () => {
    const untouched = { accept: 'text/event-stream', list: [1, 2, 3] }
    const items = [{ id: 1 }, { id: 2, token: 't-2' }]
    const input = {
      requestId: 'r',
      headers: { authorization: 'Bearer abc', other: untouched },
      items,
      meta: { deep: { n: 1 } },
    }
    const before = structuredClone(input)
    const output = redact(input)
    expect(input).toEqual(before)
    expect(Object.isFrozen(input)).toBe(false)
    expect(output).toEqual({
      requestId: 'r',
      headers: { authorization: REDACT_CENSOR, other: untouched },
      items: [{ id: 1 }, { id: 2, token: REDACT_CENSOR }],
      meta: { deep: { n: 1 } },
    })
    // Copy-on-write: only containers on the path to a censored value are new.
    expect(output).not.toBe(input)
    expect(output.headers).not.toBe(input.headers)
    expect(output.headers.other).toBe(untouched)
    expect(output.items).not.toBe(items)
    expect(output.items[0]).toBe(items[0])
    expect(output.meta).toBe(input.meta)
  })

  it('does not mutate the object given to a logger call', () => {
    const input = { headers: { authorization: 'Bearer abc' }, password: 'p' }
    const { line } = logOnce(input)
    expect(line).toMatchObject({ headers: { authorization: REDACT_CENSOR }, password: REDACT_CENSOR })
    expect(input).toEqual({ headers: { authorization: 'Bearer abc' }, password: 'p' })
  })

  it('returns the same reference, and non-objects unchanged, when there is nothing to censor', () => {
    const input = { requestId: 'r', status: 200, headers: { accept: 'x' }, list: [{ id: 1 }] }
    expect(redact(input)).toBe(input)
    for (const value of [undefined, null, 0, 'token', true, 10n]) expect(redact(value)).toBe(value)
  })

  it('censors a frozen input through a copy', () => {
    const input = Object.freeze({ nested: Object.freeze({ secret: 's', id: 1 }) })
    expect(redact(input)).toEqual({ nested: { secret: REDACT_CENSOR, id: 1 } })
  })

  it('terminates on cyclic objects (the depth cap bounds the walk) and censors within the cap', () => {
    const cyclic: Record<string, unknown> = { password: 'p', id: 1 }
    cyclic.self = cyclic
    const list: unknown[] = []
    list.push(list, { token: 't' })
    const auth: Record<string, unknown> = { key: 'k' }
    auth.auth = auth
    const output = redact({ cyclic, list, auth })
    // Back-references are written as pino writes cycles, never as the uncensored original.
    expect(output.cyclic).toEqual({ password: REDACT_CENSOR, id: 1, self: '[Circular]' })
    expect(cyclic.password).toBe('p')
    expect(output.list).toEqual(['[Circular]', { token: REDACT_CENSOR }])
    expect(output.auth).toEqual({ key: REDACT_CENSOR, auth: '[Circular]' })
    // A cycle with nothing to censor is still cut where the walk meets it (pino would print the same).
    const plain: Record<string, unknown> = { id: 1 }
    plain.self = plain
    expect(redact({ plain })).toEqual({ plain: { id: 1, self: '[Circular]' } })
    // Through pino too: the line is written (pino prints the cycle as "[Circular]").
    const { text } = logOnce({ cyclic })
    expect(text).toContain('"[Circular]"')
    expect(text).not.toContain('"password":"p"')
  })

  it('documents the depth limit: keys below depth 3 are not censored, except `key` of an auth at depth 3', () => {
    // Depth 4 (and deeper) is not visited: the same limit the former wildcard paths had.
    expect(redact(chain(MAX_REDACT_DEPTH + 1, 'password', 'p'))).toEqual(
      chain(MAX_REDACT_DEPTH + 1, 'password', 'p'),
    )
    // An array item counts as a level: a key inside an item of a depth-2 list is at depth 4.
    expect(redact({ a: { b: { list: [{ token: 't' }] } } })).toEqual({ a: { b: { list: [{ token: 't' }] } } })
    expect(redact({ a: { list: [{ token: 't' }] } })).toEqual({ a: { list: [{ token: REDACT_CENSOR }] } })
    // `auth.key` with auth at depth 3 puts `key` at depth 4: still censored (as `*.*.*.auth.key` was);
    // its other fields at depth 4 are not.
    expect(redact(chain(3, 'auth', { key: 'k', token: 't' }))).toEqual(
      chain(3, 'auth', { key: REDACT_CENSOR, token: 't' }),
    )
    expect(redact(chain(4, 'auth', { key: 'k' }))).toEqual(chain(4, 'auth', { key: 'k' }))
  })

  it('keeps Errors serialisable: a censored copy keeps the prototype, message, stack and cause', () => {
    const err = Object.assign(new Error('request failed', { cause: new Error('ECONNRESET') }), {
      config: { headers: { Authorization: 'Bearer leaked' } },
      code: 'E_HTTP',
    })
    const { line, text } = logOnce({ err })
    expect(line.err).toMatchObject({
      type: 'Error',
      message: 'request failed',
      code: 'E_HTTP',
      config: { headers: { Authorization: REDACT_CENSOR } },
    })
    expect(typeof (line.err as { stack?: unknown }).stack).toBe('string')
    expect(text).toContain('ECONNRESET')
    expect(text).not.toContain('Bearer leaked')
    expect(err.config.headers.Authorization).toBe('Bearer leaked')
    // `log.error(err)` directly: pino wraps it as { err }.
    const direct = captureStream()
    createLogger({ destination: direct.stream, base: null }).error(err)
    expect(direct.lines()[0]).toMatchObject({ msg: 'request failed', err: { type: 'Error' } })
    expect(direct.text()).not.toContain('Bearer leaked')
  })

  it('does not walk binary buffers and handles a __proto__ key without touching prototypes', () => {
    const buffer = Buffer.from('token')
    expect(redact({ buffer }).buffer).toBe(buffer)
    const parsed = JSON.parse('{"__proto__": {"token": "t"}, "id": 1}') as Record<string, unknown>
    const output = redact(parsed)
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(output, '__proto__')?.value).toEqual({ token: REDACT_CENSOR })
  })
})

import { describe, expect, it } from 'vitest'
import { childLogger } from './child-logger'
import { createLogger } from './create-logger'
import { captureStream } from './test-stream'

describe('childLogger', () => {
  it('binds requestId, userId and runId to every line', () => {
    const { stream, lines } = captureStream()
    const root = createLogger({ destination: stream, base: null })
    const request = childLogger(root, { requestId: 'req-1', userId: 'user-1' })
    const run = childLogger(request, { runId: 'run-1' })
    request.info('request line')
    run.warn({ cost: 3 }, 'run line')
    root.info('root line')
    const [first, second, third] = lines()
    expect(first).toMatchObject({ requestId: 'req-1', userId: 'user-1', msg: 'request line' })
    expect(first).not.toHaveProperty('runId')
    expect(second).toMatchObject({ requestId: 'req-1', userId: 'user-1', runId: 'run-1', cost: 3, level: 40 })
    expect(third).not.toHaveProperty('requestId')
  })

  it.each([
    [{ requestId: 'r', userId: undefined, runId: undefined }, { requestId: 'r' }, ['userId', 'runId']],
    [
      { userId: 'u', route: '/api/chat', extra: undefined },
      { userId: 'u', route: '/api/chat' },
      ['extra', 'requestId'],
    ],
    [{}, {}, ['requestId', 'userId', 'runId']],
  ])('drops undefined bindings: %j', (bindings, present, absent) => {
    const { stream, lines } = captureStream()
    childLogger(createLogger({ destination: stream, base: null }), bindings).info('x')
    const [line] = lines()
    expect(line).toMatchObject(present)
    for (const key of absent) expect(Object.hasOwn(line!, key)).toBe(false)
  })

  it('keeps the parent level and redaction', () => {
    const { stream, lines } = captureStream()
    const child = childLogger(createLogger({ destination: stream, level: 'warn', base: null }), {
      requestId: 'r',
    })
    child.info({ password: 'p' }, 'filtered out')
    child.warn({ password: 'p', headers: { authorization: 'Bearer t' } }, 'kept')
    expect(lines()).toEqual([
      expect.objectContaining({
        msg: 'kept',
        password: '[REDACTED]',
        headers: { authorization: '[REDACTED]' },
        requestId: 'r',
      }),
    ])
  })

  it('censors secrets passed as bindings', () => {
    const { stream, text } = captureStream()
    childLogger(createLogger({ destination: stream, base: null }), { requestId: 'r', token: 'tok-123' }).info(
      'x',
    )
    expect(text()).not.toContain('tok-123')
  })

  it('censors nested secrets in bindings of children and grandchildren, even through pino child()', () => {
    const { stream, text, lines } = captureStream()
    const root = createLogger({ destination: stream, base: null })
    const viaPino = root.child({ requestId: 'r', headers: { Authorization: 'Bearer b-1' } })
    const grandchild = childLogger(viaPino, { runId: 'run', auth: { key: 'k-2', userId: 'u' } })
    const greatGrandchild = grandchild.child({ API_KEY: 'k-3' })
    greatGrandchild.info('x')
    expect(lines()[0]).toMatchObject({
      requestId: 'r',
      runId: 'run',
      headers: { Authorization: '[REDACTED]' },
      auth: { key: '[REDACTED]', userId: 'u' },
      API_KEY: '[REDACTED]',
    })
    expect(greatGrandchild.bindings()).toMatchObject({ API_KEY: '[REDACTED]' })
    for (const leaked of ['b-1', 'k-2', 'k-3']) expect(text()).not.toContain(leaked)
  })

  it('censors bindings given to setBindings, the base fields, and under a child formatters.log', () => {
    const { stream, text } = captureStream()
    const root = createLogger({ destination: stream, base: { service: 'api', databaseUrl: 'postgres://pw' } })
    const child = root.child({ requestId: 'r' })
    child.setBindings({ token: 'tok-9' })
    child.info('a')
    root.child({}, { formatters: { log: (o) => ({ ...o, password: 'pw-7' }) } }).info('b')
    expect(text()).toContain('"service":"api"')
    for (const leaked of ['postgres://pw', 'tok-9', 'pw-7']) expect(text()).not.toContain(leaked)
  })

  it('does not mutate the bindings object', () => {
    const bindings = { requestId: 'r', token: 'tok-1', headers: { cookie: 'c' } }
    childLogger(createLogger({ destination: captureStream().stream }), bindings).info('x')
    expect(bindings).toEqual({ requestId: 'r', token: 'tok-1', headers: { cookie: 'c' } })
  })
})

import { describe, expect, it } from 'vitest'
import { buildLogger, createLogger } from './create-logger'
import { loadPrettyFactory } from './pretty'
import { captureStream } from './test-stream'

const settle = () => new Promise((resolve) => setTimeout(resolve, 20))

describe('createLogger', () => {
  it('writes one JSON object per line with the standard fields', () => {
    const { stream, lines } = captureStream()
    const log = createLogger({ name: 'api', destination: stream })
    log.info({ userId: 'u1', cost: 3, tokensUsed: 1200 }, 'Credits deducted')
    const [line] = lines()
    expect(line).toMatchObject({
      level: 30,
      name: 'api',
      userId: 'u1',
      cost: 3,
      tokensUsed: 1200,
      msg: 'Credits deducted',
    })
    expect(typeof line!.time).toBe('number')
    expect(line!.pid).toBe(process.pid)
    expect(typeof line!.hostname).toBe('string')
  })

  it.each([
    [
      { service: 'api', version: '1.2.3' },
      { service: 'api', version: '1.2.3', name: 'n' },
      ['pid', 'hostname'],
    ],
    [null, { name: 'n' }, ['pid', 'hostname']],
  ])('replaces the base fields with %j', (base, present, absent) => {
    const { stream, lines } = captureStream()
    createLogger({ name: 'n', base, destination: stream }).info('x')
    const [line] = lines()
    expect(line).toMatchObject(present)
    for (const key of absent) expect(line).not.toHaveProperty(key)
  })

  const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const
  it.each([
    ['trace', 6],
    ['debug', 5],
    ['info', 4],
    ['warn', 3],
    ['error', 2],
    ['fatal', 1],
    ['silent', 0],
    [undefined, 4],
  ] as const)('level %s lets %i of the 6 levels through', (level, count) => {
    const { stream, lines } = captureStream()
    const log = createLogger({ ...(level ? { level } : {}), destination: stream })
    for (const name of LEVELS) log[name](name)
    const written = lines().map((line) => line.msg)
    expect(written).toEqual(LEVELS.slice(LEVELS.length - count))
  })

  it('rejects an unknown level', () => {
    expect(() => createLogger({ level: 'loud' })).toThrow(/loud/)
  })

  it('serialises errors with their cause under err and error', () => {
    const { stream, lines } = captureStream()
    const log = createLogger({ destination: stream })
    const err = Object.assign(new Error('boom', { cause: new Error('socket hang up') }), { code: 'E_BOOM' })
    log.error({ err }, 'failed')
    log.error({ error: new TypeError('bad') }, 'failed again')
    const [first, second] = lines()
    expect(first!.err).toMatchObject({ type: 'Error', message: 'boom', code: 'E_BOOM' })
    expect(JSON.stringify(first!.err)).toContain('socket hang up')
    expect(second!.error).toMatchObject({ type: 'TypeError', message: 'bad' })
  })

  it('pretty: true prints human-readable lines through pino-pretty', async () => {
    const { stream, text } = captureStream()
    const log = createLogger({ pretty: true, name: 'web', destination: stream })
    log.info({ userId: 'u1', apiKey: 'sk-1' }, 'hello pretty')
    await settle()
    const out = text()
    expect(out).toContain('INFO')
    expect(out).toContain('hello pretty')
    expect(out).toContain('userId: "u1"')
    expect(out).toContain('[REDACTED]')
    expect(out).not.toContain('sk-1')
    expect(out).not.toContain('\u001b[') // no colour codes in a caller's stream
    expect(() => JSON.parse(out.split('\n')[0]!)).toThrow()
  })

  it('falls back to JSON with a one-line warning when pino-pretty is missing, never throwing', () => {
    const { stream, lines } = captureStream()
    const log = buildLogger({ pretty: true, destination: stream }, () =>
      loadPrettyFactory('pino-pretty-not-installed'),
    )
    log.info({ apiKey: 'sk-1' }, 'still logging')
    const [warning, line] = lines()
    expect(warning).toMatchObject({ level: 40, msg: 'pino-pretty is not installed; logging JSON instead' })
    expect(line).toMatchObject({ level: 30, msg: 'still logging', apiKey: '[REDACTED]' })
  })

  it('loads pino-pretty only on demand, and reports a missing module as undefined', () => {
    expect(typeof loadPrettyFactory()).toBe('function')
    expect(loadPrettyFactory('pino-pretty-not-installed')).toBeUndefined()
  })
})

import { describe, expect, it } from 'vitest'
import { defaultLoggerOptions, getDefaultLogger, logger } from './default-logger'

describe('defaultLoggerOptions', () => {
  it.each([
    [{}, false, { level: 'info', pretty: false }],
    [{ LOG_LEVEL: 'debug' }, false, { level: 'debug', pretty: false }],
    [{ LOG_LEVEL: ' WARN ' }, false, { level: 'warn', pretty: false }],
    [{ LOG_LEVEL: 'silent' }, false, { level: 'silent', pretty: false }],
    [{ LOG_LEVEL: '' }, false, { level: 'info', pretty: false }],
    [{ LOG_LEVEL: 'loud' }, false, { level: 'info', pretty: false, invalidLevel: 'loud' }],
    [{ LOG_LEVEL: 'toString' }, false, { level: 'info', pretty: false, invalidLevel: 'toString' }],
    [{ NODE_ENV: 'production' }, true, { level: 'info', pretty: false }],
    [{ NODE_ENV: 'production', LOG_PRETTY: '1' }, true, { level: 'info', pretty: false }],
    [{ NODE_ENV: 'development' }, true, { level: 'info', pretty: true }],
    [{ NODE_ENV: 'development' }, false, { level: 'info', pretty: false }],
    [{ NODE_ENV: 'test' }, true, { level: 'info', pretty: false }],
    [{ LOG_PRETTY: '1' }, false, { level: 'info', pretty: true }],
    [{ LOG_PRETTY: 'true' }, false, { level: 'info', pretty: false }],
  ])('%j with a TTY=%s -> %j', (env, tty, expected) => {
    expect(defaultLoggerOptions(env, tty)).toEqual(expected)
  })
})

describe('default logger', () => {
  it('is one lazily created instance behind a usable proxy', () => {
    const real = getDefaultLogger()
    expect(getDefaultLogger()).toBe(real)
    // Silence it through the proxy so the test run prints nothing.
    logger.level = 'silent'
    expect(real.level).toBe('silent')
    expect(logger.level).toBe('silent')
    expect(logger.isLevelEnabled('error')).toBe(false)
    expect('info' in logger).toBe(true)
    const { info } = logger
    expect(() => info('detached call still bound')).not.toThrow()
    const child = logger.child({ requestId: 'r' })
    expect(child.bindings()).toEqual({ requestId: 'r' })
  })
})

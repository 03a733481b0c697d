import { createLogger } from '@10xstudent/logger'
import { describe, expect, it } from 'vitest'
import { lazyChildLogger } from './lazy-child-logger'

function capture(level: 'info' | 'silent' = 'info') {
  const lines: Array<Record<string, unknown>> = []
  const real = createLogger({
    level,
    base: null,
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  })
  let children = 0
  // Counted on a stand-in, not on the real parent: pino children inherit from their parent, so an own `child`
  // property on it would leak into every child.
  const counting = Object.create(real) as typeof real
  counting.child = ((...args: Parameters<typeof real.child>) => {
    children++
    return real.child(...args)
  }) as typeof real.child
  return { parent: counting, lines, children: () => children }
}

describe('lazyChildLogger', () => {
  it('creates no child until something is logged', () => {
    const { parent, children } = capture()
    lazyChildLogger(parent, { requestId: 'r1' })
    expect(children()).toBe(0)
  })

  it('logs through one child that carries the bindings, created once', () => {
    const { parent, lines, children } = capture()
    const log = lazyChildLogger(parent, { requestId: 'r1' })
    log.info({ userId: 'u1' }, 'first')
    log.warn('second')
    expect(children()).toBe(1)
    expect(lines).toMatchObject([
      { requestId: 'r1', userId: 'u1', msg: 'first', level: 30 },
      { requestId: 'r1', msg: 'second', level: 40 },
    ])
  })

  it('keeps level checks, nested children and redaction of the real child', () => {
    const { parent, lines } = capture()
    const log = lazyChildLogger(parent, { requestId: 'r2' })
    expect(log.level).toBe('info')
    expect(log.isLevelEnabled('debug')).toBe(false)
    expect('info' in log).toBe(true)
    log.child({ runId: 'run_1' }).info({ authorization: 'Bearer secret' }, 'nested')
    expect(lines).toMatchObject([{ requestId: 'r2', runId: 'run_1', authorization: '[REDACTED]' }])
  })

  it('is silent when the parent is silent', () => {
    const { parent, lines } = capture('silent')
    lazyChildLogger(parent, { requestId: 'r3' }).error('nothing')
    expect(lines).toEqual([])
  })
})

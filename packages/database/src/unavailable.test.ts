import { describe, expect, it } from 'vitest'
import { DatabaseUnavailableError, isDatabaseUnavailableError, redactUrl, sqlStateOf } from './unavailable'

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code })

describe('isDatabaseUnavailableError', () => {
  it.each([
    ['connection refused', withCode('ECONNREFUSED'), true],
    ['reset', withCode('ECONNRESET'), true],
    ['admin shutdown', withCode('57P01', 'terminating connection due to administrator command'), true],
    ['cannot connect now', withCode('57P03'), true],
    ['too many connections', withCode('53300'), true],
    ['connection exception class 08', withCode('08006'), true],
    ['terminated', new Error('Connection terminated unexpectedly'), true],
    ['pool ended', new Error('Cannot use a pool after calling end on the pool'), true],
    ['PGlite closed', new Error('PGlite is closed'), true],
    ['wrapped by drizzle', new Error('Failed query: select 1', { cause: withCode('ECONNREFUSED') }), true],
    ['aggregate', Object.assign(new Error('agg'), { errors: [withCode('ECONNREFUSED')] }), true],
    ['our own error', new DatabaseUnavailableError('down'), true],
    ['unique violation', withCode('23505', 'duplicate key'), false],
    ['syntax error', withCode('42601'), false],
    ['check violation', withCode('23514'), false],
    ['plain error', new Error('boom'), false],
    ['string', 'ECONNREFUSED', false],
    ['null', null, false],
  ])('%s -> %s', (_label, err, expected) => {
    expect(isDatabaseUnavailableError(err)).toBe(expected)
  })

  it('survives a cause cycle', () => {
    const a = new Error('a') as Error & { cause?: unknown }
    const b = new Error('b', { cause: a })
    a.cause = b
    expect(isDatabaseUnavailableError(a)).toBe(false)
  })
})

describe('sqlStateOf', () => {
  it('finds the SQLSTATE under wrappers and ignores socket codes', () => {
    expect(
      sqlStateOf(new Error('w', { cause: Object.assign(withCode('23505'), { constraint: 'c' }) })),
    ).toEqual({
      code: '23505',
      constraint: 'c',
    })
    expect(sqlStateOf(withCode('ECONNREFUSED'))).toBeUndefined()
  })
})

describe('redactUrl', () => {
  it.each([
    ['postgres://app:secret@db:5432/main', 'postgres://app@db:5432/main'],
    ['postgres://app@db/main', 'postgres://app@db/main'],
    ['not a url', '<unparseable database URL>'],
  ])('%s', (input, output) => {
    expect(redactUrl(input)).toBe(output)
  })
})

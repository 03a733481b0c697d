import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from './errors'
import { assertId, MAX_ID_LENGTH } from './ids'
import { idempotencyKeySchema, idSchema } from './schemas'

const BAD_IDS: Array<[string, unknown, RegExp]> = [
  ['empty', '', /must not be empty/],
  ['too long', 'x'.repeat(MAX_ID_LENGTH + 1), /at most 255/],
  ['NUL', 'user\u0000id', /control characters/],
  ['newline', 'user\nid', /control characters/],
  ['tab', '\tuser', /control characters/],
  ['DEL', 'user\u007f', /control characters/],
  ['number', 42, /must be a string, got number/],
  ['null', null, /must be a string, got null/],
  ['undefined', undefined, /must be a string, got undefined/],
  ['object', { id: 'u' }, /must be a string, got object/],
  ['array', ['u'], /must be a string, got object/],
  ['bigint', 1n, /must be a string, got bigint/],
]

const GOOD_IDS = ['u', 'user_2abc', 'x'.repeat(MAX_ID_LENGTH), 'run:7f1c-…-ünïcödé', 'a b', 'k'.repeat(36)]

describe('assertId and idSchema', () => {
  it.each(BAD_IDS)('rejects a %s id', (_label, value, reason) => {
    let thrown: unknown
    try {
      assertId('userId', value)
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(InvalidArgumentError)
    expect((thrown as InvalidArgumentError).argument).toBe('userId')
    expect((thrown as InvalidArgumentError).code).toBe('invalid_argument')
    expect((thrown as Error).message).toMatch(reason)
    expect(idSchema.safeParse(value).success).toBe(false)
    expect(idempotencyKeySchema.safeParse(value).success).toBe(false)
  })

  it.each(GOOD_IDS)('accepts %j', (value) => {
    expect(assertId('runId', value)).toBe(value)
    expect(idSchema.parse(value)).toBe(value)
    expect(idempotencyKeySchema.parse(value)).toBe(value)
  })
})

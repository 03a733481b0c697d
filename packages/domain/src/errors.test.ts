import { describe, expect, it } from 'vitest'
import {
  CreditError,
  HoldNotActiveError,
  HoldNotFoundError,
  IdempotencyConflictError,
  InsufficientCreditsError,
  InvalidAmountError,
  InvalidArgumentError,
  isCreditError,
  LedgerUnavailableError,
  UnknownModelError,
  UserNotFoundError,
} from './errors'

describe('typed errors', () => {
  it('InsufficientCreditsError carries required and balance', () => {
    const err = new InsufficientCreditsError(12, 3)
    expect(err).toBeInstanceOf(CreditError)
    expect(err).toBeInstanceOf(Error)
    expect(err.code).toBe('insufficient_credits')
    expect(err.required).toBe(12)
    expect(err.balance).toBe(3)
    expect(err.name).toBe('InsufficientCreditsError')
    expect(err.message).toBe('Insufficient credits: 12 required, 3 available')
    expect(new InsufficientCreditsError(1, 0, 'custom').message).toBe('custom')
  })

  it.each([
    [
      new IdempotencyConflictError('k1'),
      'idempotency_conflict',
      'IdempotencyConflictError',
      { idempotencyKey: 'k1' },
    ],
    [
      new HoldNotActiveError('h1', 'settled'),
      'hold_not_active',
      'HoldNotActiveError',
      { holdId: 'h1', status: 'settled' },
    ],
    [new HoldNotFoundError('h2'), 'hold_not_found', 'HoldNotFoundError', { holdId: 'h2' }],
    [new UserNotFoundError('u1'), 'user_not_found', 'UserNotFoundError', { userId: 'u1' }],
    [new UnknownModelError('gpt-9', 'v1'), 'unknown_model', 'UnknownModelError', { model: 'gpt-9' }],
    [new InvalidAmountError(1.5, 'must be whole'), 'invalid_amount', 'InvalidAmountError', { value: 1.5 }],
    [
      new InvalidArgumentError('limit', 'too big'),
      'invalid_argument',
      'InvalidArgumentError',
      { argument: 'limit' },
    ],
    [
      new LedgerUnavailableError('down', { cause: new Error('econnrefused') }),
      'ledger_unavailable',
      'LedgerUnavailableError',
      {},
    ],
  ] as const)('%s has code %s, name %s and its fields', (err, code, name, fields) => {
    expect(err.code).toBe(code)
    expect(err.name).toBe(name)
    expect(err).toMatchObject(fields)
    expect(isCreditError(err)).toBe(true)
    expect(err.message.length).toBeGreaterThan(0)
  })

  it('keeps the cause', () => {
    const cause = new Error('econnrefused')
    expect(new LedgerUnavailableError('down', { cause }).cause).toBe(cause)
  })

  it('UnknownModelError names the model and the price version', () => {
    expect(new UnknownModelError('gpt-9', '2026-12-01').message).toContain(
      '"gpt-9" in price table 2026-12-01',
    )
    expect(new UnknownModelError('gpt-9').message).not.toContain('price table')
  })

  it('isCreditError recognises a copy from another package instance by shape', () => {
    const copy = Object.assign(new Error('x'), {
      name: 'InsufficientCreditsError',
      code: 'insufficient_credits',
    })
    expect(isCreditError(copy)).toBe(true)
  })

  it.each([
    ['a plain Error', new Error('x')],
    ['null', null],
    ['undefined', undefined],
    ['a string', 'insufficient_credits'],
    ['an unknown code', Object.assign(new Error('x'), { code: 'ECONNREFUSED' })],
    ['a non-string name', { code: 'invalid_amount', name: 5 }],
    ['a name not ending in Error', { code: 'invalid_amount', name: 'Thing' }],
    ['a numeric code', { code: 402, name: 'HttpError' }],
  ])('isCreditError is false for %s', (_label, value) => {
    expect(isCreditError(value)).toBe(false)
  })
})

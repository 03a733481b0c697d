import { describe, expect, it } from 'vitest'
import {
  FINISH_REASONS,
  type FinishReason,
  isFinishReason,
  isWarningFinishReason,
  normalizeFinishReason,
  type TanStackFinishReason,
  toFinishReason,
} from './finish-reason'

describe('normalizeFinishReason', () => {
  const tanstack: Array<[TanStackFinishReason, FinishReason]> = [
    ['stop', 'stop'],
    ['length', 'length'],
    ['content_filter', 'content-filter'],
    ['tool_calls', 'tool-calls'],
    [null, 'stop'],
  ]
  it.each(tanstack)('maps TanStack %j to %j', (reason, expected) => {
    expect(normalizeFinishReason(reason)).toBe(expected)
    expect(toFinishReason(reason)).toBe(expected)
  })

  it.each(FINISH_REASONS.map((r) => [r]))('keeps the documented %j unchanged', (reason) => {
    expect(normalizeFinishReason(reason)).toBe(reason)
    expect(toFinishReason(reason)).toBe(reason)
    expect(isFinishReason(reason)).toBe(true)
  })

  it.each([
    ['STOP', 'stop'],
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content-filter'],
    ['RECITATION', 'content-filter'],
    ['PROHIBITED_CONTENT', 'content-filter'],
    ['MALFORMED_FUNCTION_CALL', 'error'],
    ['end_turn', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool-calls'],
    ['refusal', 'content-filter'],
    ['function_call', 'tool-calls'],
    ['Tool_Calls', 'tool-calls'],
    ['cancelled', 'aborted'],
    ['canceled', 'aborted'],
  ] as const)('maps the provider spelling %j to %j', (reason, expected) => {
    expect(normalizeFinishReason(reason)).toBe(expected)
  })

  it.each([undefined, null, ''])('%j falls back (default stop)', (reason) => {
    expect(normalizeFinishReason(reason)).toBe('stop')
    expect(normalizeFinishReason(reason, 'aborted')).toBe('aborted')
  })

  it.each(['bogus', 'toString', '__proto__', 'constructor', 'valueOf'])(
    'unknown %j maps to the fallback, never to an Object.prototype member',
    (reason) => {
      expect(normalizeFinishReason(reason)).toBe('stop')
      expect(normalizeFinishReason(reason, 'error')).toBe('error')
      expect(toFinishReason(reason)).toBeUndefined()
    },
  )

  it('tolerates non-strings from untyped callers', () => {
    expect(normalizeFinishReason(42 as unknown as string)).toBe('stop')
    expect(toFinishReason(42)).toBeUndefined()
    expect(isFinishReason('tool_calls')).toBe(false)
    expect(isFinishReason(undefined)).toBe(false)
  })

  it('a switch over FinishReason is exhaustive', () => {
    const label = (reason: FinishReason): string => {
      switch (reason) {
        case 'stop':
        case 'length':
        case 'tool-calls':
        case 'content-filter':
        case 'error':
        case 'aborted':
          return reason
      }
    }
    expect(FINISH_REASONS.map(label)).toEqual([...FINISH_REASONS])
  })

  it.each([
    ['length', true],
    ['content-filter', true],
    ['stop', false],
    ['tool-calls', false],
    ['error', false],
    ['aborted', false],
  ] as const)('isWarningFinishReason(%j) = %j', (reason, warn) => {
    expect(isWarningFinishReason(reason)).toBe(warn)
  })
})

import { describe, expect, it } from 'vitest'
import {
  creditsCell,
  describeEntry,
  finishReasonLabel,
  formatDateTime,
  formatDay,
  formatDelta,
  formatNumber,
  pluralCredits,
} from './format'

describe('numbers', () => {
  it.each([
    [12345, '12,345'],
    [0, '0'],
    [Number.NaN, '—'],
    [null, '—'],
    [undefined, '—'],
  ])('formatNumber(%s) = %s', (v, expected) => expect(formatNumber(v)).toBe(expected))

  it.each([
    [500, '+500'],
    [-3, '−3'],
    [0, '0'],
    [Number.POSITIVE_INFINITY, '—'],
  ])('formatDelta(%s) = %s', (v, expected) => expect(formatDelta(v)).toBe(expected))

  it.each([
    [1, '1 credit'],
    [0, '0 credits'],
    [2500, '2,500 credits'],
  ])('pluralCredits(%s) = %s', (v, expected) => expect(pluralCredits(v)).toBe(expected))
})

describe('labels', () => {
  it.each([
    ['stop', 'completed'],
    ['length', 'truncated (length)'],
    ['content-filter', 'content filtered'],
    ['aborted', 'stopped'],
    ['error', 'error'],
    ['something-new', 'something-new'],
    [null, '—'],
  ])('finishReasonLabel(%s) = %s', (v, expected) => expect(finishReasonLabel(v)).toBe(expected))

  it.each([
    [{ kind: 'settle', operation: 'typst_generation' }, 'Chat reply'],
    [{ kind: 'charge', operation: 'web_search' }, 'Web search'],
    [{ kind: 'charge', operation: 'WEB_SEARCH' }, 'Web search'],
    [{ kind: 'hold', operation: 'typst_generation' }, 'Reserved for a reply'],
    [{ kind: 'grant', operation: null }, 'Credits added'],
    [{ kind: 'grant', operation: 'demo_top_up' }, 'Demo top-up'],
    [{ kind: 'grant', operation: 'admin_grant' }, 'Credits added'],
    [{ kind: 'charge', operation: 'custom_thing' }, 'custom thing'],
    [{ kind: 'mystery_kind', operation: null }, 'mystery kind'],
  ])('describeEntry(%j) = %s', (entry, expected) => expect(describeEntry(entry)).toBe(expected))

  it.each([
    [
      { kind: 'settle', delta: 7, cost: 3 },
      { text: '−3', tone: 'debit', note: '7 returned' },
    ],
    [
      { kind: 'charge', delta: -1, cost: 1 },
      { text: '−1', tone: 'debit' },
    ],
    [
      { kind: 'grant', delta: 500, cost: 0 },
      { text: '+500', tone: 'credit' },
    ],
    [
      { kind: 'hold', delta: -20, cost: null },
      { text: '−20', tone: 'debit' },
    ],
    [
      { kind: 'settle', delta: 10, cost: 0 },
      { text: '0', tone: 'neutral', note: '10 returned' },
    ],
  ])('creditsCell(%j)', (entry, expected) => expect(creditsCell(entry)).toEqual(expected))
})

describe('dates', () => {
  it('formats a day key as UTC', () => expect(formatDay('2026-12-04')).toBe('Dec 4'))
  it('keeps an unparseable day key', () => expect(formatDay('not-a-day')).toBe('not-a-day'))
  it('renders an invalid timestamp as a dash', () => expect(formatDateTime('nope')).toBe('—'))
  it('renders a valid timestamp with month and time', () => {
    expect(formatDateTime(new Date(2026, 11, 4, 19, 59, 2))).toBe('Dec 4, 19:59:02')
  })
})

import { describe, expect, it } from 'vitest'
import type { UsageEntry } from './api-types'
import { chargeFromEntry, findStoppedCharge } from './turns'

const T0 = Date.parse('2026-12-04T12:00:00Z')

function entry(over: Partial<UsageEntry>): UsageEntry {
  return {
    id: 'e1',
    kind: 'settle',
    operation: 'typst_generation',
    delta: 5,
    cost: 3,
    balanceAfter: 90,
    tokensUsed: 120,
    model: 'demo-model',
    finishReason: 'aborted',
    estimated: true,
    createdAt: new Date(T0 + 1000).toISOString(),
    ...over,
  }
}

describe('findStoppedCharge', () => {
  it("uses the run's settlement: the model's charge, tool charges stay on their cards", () => {
    const items = [
      entry({ id: 'other', runId: 'r2', cost: 9 }),
      entry({
        id: 'search',
        kind: 'charge',
        operation: 'web_search',
        runId: 'r1',
        cost: 1,
        tokensUsed: null,
      }),
      entry({ id: 'mine', runId: 'r1', cost: 3 }),
      entry({ id: 'hold', kind: 'hold', runId: 'r1', cost: 0, delta: -40 }),
    ]
    expect(findStoppedCharge(items, { since: T0, runId: 'r1', claimed: new Set() })).toEqual({
      charged: 3,
      tokens: 120,
      estimated: true,
      balance: 90,
      entryId: 'mine',
    })
  })

  it('waits for the settlement of the run even if its tool charges are there', () => {
    const items = [entry({ id: 'search', kind: 'charge', operation: 'web_search', runId: 'r1', cost: 1 })]
    expect(findStoppedCharge(items, { since: T0, runId: 'r1', claimed: new Set() })).toBeUndefined()
  })

  it('falls back to the newest unclaimed aborted settlement after the start when the run id is unknown', () => {
    const items = [entry({ id: 'new' }), entry({ id: 'older' })]
    expect(findStoppedCharge(items, { since: T0, claimed: new Set() })?.entryId).toBe('new')
    expect(findStoppedCharge(items, { since: T0, claimed: new Set(['new']) })?.entryId).toBe('older')
  })

  it.each([
    ['a hold row', entry({ kind: 'hold' })],
    ['a completed reply', entry({ finishReason: 'stop' })],
    [
      'an entry long before the reply started',
      entry({ createdAt: new Date(T0 - 10 * 60_000).toISOString() }),
    ],
    ['an unparseable date', entry({ createdAt: 'yesterday' })],
  ])('ignores %s', (_name, e) => {
    expect(findStoppedCharge([e], { since: T0, claimed: new Set() })).toBeUndefined()
  })
})

describe('chargeFromEntry', () => {
  it('reads cost, tokens and the estimated flag', () => {
    expect(chargeFromEntry(entry({}))).toEqual({
      charged: 3,
      tokens: 120,
      estimated: true,
      balance: 90,
      entryId: 'e1',
    })
  })

  it('derives the charge from the delta when cost is missing', () => {
    expect(chargeFromEntry(entry({ kind: 'charge', cost: null, delta: -1, tokensUsed: null }))).toMatchObject(
      {
        charged: 1,
        tokens: 0,
      },
    )
  })
})

import { describe, expect, it } from 'vitest'
import { axisTicks, fillDays, niceMax } from './chart'

describe('niceMax', () => {
  it.each([
    [0, 1],
    [-5, 1],
    [Number.NaN, 1],
    [1, 1],
    [3, 3],
    [4.2, 5],
    [6, 10],
    [83, 100],
    [101, 200],
    [240, 250],
    [251, 500],
    [12_000, 20_000],
  ])('%s -> %s', (max, expected) => expect(niceMax(max)).toBe(expected))
})

describe('fillDays', () => {
  const empty = (day: string) => ({ day, credits: 0 })
  it('fills gaps with zeros and ends today', () => {
    const rows = [
      { day: '2026-12-02', credits: 4 },
      { day: '2026-12-04T00:00:00.000Z', credits: 7 },
    ]
    expect(fillDays(rows, 4, new Date('2026-12-04T22:00:00Z'), empty)).toEqual([
      { day: '2026-12-01', credits: 0 },
      { day: '2026-12-02', credits: 4 },
      { day: '2026-12-03', credits: 0 },
      { day: '2026-12-04T00:00:00.000Z', credits: 7 },
    ])
  })

  it('drops rows outside the window', () => {
    expect(fillDays([{ day: '2026-01-01', credits: 9 }], 2, new Date('2026-12-04T00:00:00Z'), empty)).toEqual(
      [
        { day: '2026-12-03', credits: 0 },
        { day: '2026-12-04', credits: 0 },
      ],
    )
  })
})

describe('axisTicks', () => {
  it.each([
    [0, [0]],
    [Number.NaN, [0]],
    [1, [0, 1]],
    [2, [0, 1, 2]],
    [4, [0, 1, 2, 3, 4]],
    [5, [0, 1, 2, 3, 4, 5]],
    [10, [0, 5, 10]],
    [100, [0, 25, 50, 75, 100]],
    [2_000, [0, 500, 1_000, 1_500, 2_000]],
    [250, [0, 125, 250]],
  ])('%s -> %j', (max, expected) => expect(axisTicks(max)).toEqual(expected))
})

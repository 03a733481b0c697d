/**
 * A "nice" upper bound for a bar chart axis: 1, 2, 2.5 or 5 times a power of ten, at least `max` (and at least
 * 1 so an empty chart still has an axis).
 *
 * @example
 * ```ts
 * niceMax(83) // 100
 * niceMax(3) // 3
 * niceMax(0) // 1
 * ```
 */
export function niceMax(max: number): number {
  if (!Number.isFinite(max) || max <= 1) return 1
  // Small whole-number ranges get one tick per unit (see axisTicks), so the top is just the next integer.
  if (max <= 5) return Math.ceil(max)
  const power = 10 ** Math.floor(Math.log10(max))
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= max) return step * power
  }
  return 10 * power
}

/**
 * Fill the days the API returned no row for with zeros, oldest first, ending today (UTC), so the chart's x axis
 * is continuous.
 *
 * @example
 * ```ts
 * fillDays([{ day: '2026-12-04', credits: 3, tokens: 900, requests: 1 }], 7, new Date('2026-12-04T10:00:00Z'))
 * ```
 */
export function fillDays<T extends { day: string }>(
  rows: readonly T[],
  days: number,
  today: Date,
  empty: (day: string) => T,
): T[] {
  const byDay = new Map(rows.map((r) => [r.day.slice(0, 10), r]))
  const out: T[] = []
  const start = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate())
  for (let i = days - 1; i >= 0; i--) {
    const day = new Date(start - i * 86_400_000).toISOString().slice(0, 10)
    out.push(byDay.get(day) ?? empty(day))
  }
  return out
}

/**
 * Y-axis ticks from 0 to `max`: whole numbers only (credits and tokens are never fractional), at most five.
 *
 * @example
 * ```ts
 * axisTicks(2) // [0, 1, 2]
 * axisTicks(100) // [0, 25, 50, 75, 100]
 * ```
 */
export function axisTicks(max: number): number[] {
  if (!Number.isFinite(max) || max <= 0) return [0]
  if (max <= 5) return Array.from({ length: Math.floor(max) + 1 }, (_, i) => i)
  const step = max / 4
  return Number.isInteger(step) ? [0, step, 2 * step, 3 * step, max] : [0, Math.round(max / 2), max]
}

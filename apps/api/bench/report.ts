/**
 * The machine-readable result every benchmark can emit for `pnpm bench` (scripts/bench.mjs): one line
 * `BENCH_JSON {"bench":...,"rows":[...]}` on stdout after the human table, and the same object written to the
 * file given with `--json <file>`.
 */
import { writeFileSync } from 'node:fs'

export interface BenchRow {
  /** What is measured, e.g. "TTFB p50 of POST /api/chat". */
  figure: string
  /** Arm names, in the order of `medians`. */
  arms: string[]
  /** One median per arm, in `unit`. */
  medians: number[]
  unit: string
  /** The comparison the target is about, as shown (e.g. "0.994", "+0.62 ms"). */
  comparison: string
  target: string
  /** `null` when the row is for context only. */
  pass: boolean | null
  note?: string
}

export interface BenchReport {
  bench: string
  command: string
  node: string
  rows: BenchRow[]
}

const fmt = (x: number) =>
  Number.isFinite(x)
    ? Math.abs(x) >= 100
      ? x.toFixed(0)
      : Math.abs(x) >= 10
        ? x.toFixed(1)
        : x.toFixed(2)
    : '-'

/** Print the table, then the BENCH_JSON line; write the JSON file when `--json <file>` was given. */
export function emitReport(report: BenchReport, argv: readonly string[]): void {
  console.log('| figure | arms | medians | comparison | target | result |')
  console.log('|---|---|---|---|---|---|')
  for (const r of report.rows) {
    const result = r.pass === null ? 'context' : r.pass ? 'pass' : 'MISS'
    console.log(
      `| ${r.figure} | ${r.arms.join(' / ')} | ${r.medians.map(fmt).join(' / ')} ${r.unit} | ${r.comparison} | ${r.target} | ${result} |`,
    )
  }
  for (const r of report.rows) if (r.note) console.log(`- ${r.figure}: ${r.note}`)
  const i = argv.indexOf('--json')
  const file = i >= 0 ? argv[i + 1] : undefined
  if (file) writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
  console.log(`BENCH_JSON ${JSON.stringify(report)}`)
}

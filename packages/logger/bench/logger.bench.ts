/**
 * Cost of one request log line through `@10xstudent/logger`, against pino with no redaction and against the
 * former redaction (~150 pino `redact` paths with wildcards to depth 3). Arms run interleaved, a batch of lines
 * each per round, in a rotating order (A B C, B C A, C A B, ...), and the medians of the rounds are compared.
 *
 *   pnpm --filter @10xstudent/logger bench
 *
 * Env (a benchmark program, so it may read env): BENCH_ROUNDS (default 21), BENCH_LINES (lines per arm per
 * round, default 20000; the wildcard arm, ~100x slower per line, runs 1/100 of them).
 *
 * Target: one-pass redaction adds <= 2 us per line over pino without redaction, 1% of a ~200 us API request
 * (the API's logging figure, info vs silent, must stay >= 0.95); the wildcard paths added ~250 us.
 *
 * Fairness: every arm is a pino 10 logger at `info` with the same `err`/`error` serializers, `base: null`, the
 * same per-request child logger (requestId, userId) and the same null destination (a `write` that drops the
 * line, so the figure is the logger's CPU, not I/O). The line is the API's request log line plus a nested
 * `headers` object with an `authorization` header, so every redacting arm has one value to censor.
 */
import { pino } from 'pino'
import { createLogger, type DestinationStream, type Logger, REDACT_CENSOR, redactPaths } from '../src/index'

/** Redaction's budget per line: 1% of a ~200 us API request (the API logging figure's target is >= 0.95). */
const TARGET_US = 2
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21)
const LINES = Number(process.env.BENCH_LINES ?? 20_000)

let bytes = 0
/** Drops every line; counting the bytes keeps the write from being optimised away. */
const nullDestination: DestinationStream = {
  write(line: string) {
    bytes += line.length
  },
}

const serializers = { err: pino.stdSerializers.errWithCause, error: pino.stdSerializers.errWithCause }

/** Each arm's logger, built on a given destination (the null one, or a capturing one for the guard below). */
const arms: Record<string, (destination: DestinationStream) => Logger> = {
  'one-pass redaction': (destination) => createLogger({ level: 'info', base: null, destination }),
  'no redaction': (destination) => pino({ level: 'info', base: null, serializers }, destination),
  // `createLogger` before the one-pass redactor: the wildcard paths (`*.*.*.authorization`, ...) given to pino.
  'wildcard paths (before)': (destination) =>
    pino(
      { level: 'info', base: null, serializers, redact: { paths: redactPaths(), censor: REDACT_CENSOR } },
      destination,
    ),
}
const names = Object.keys(arms)
/** The old arm is ~100x slower: fewer lines keep its batches about as long as the others' (ns/line is per line). */
const linesOf = (name: string) =>
  name === 'wildcard paths (before)' ? Math.max(100, Math.round(LINES / 100)) : LINES

/** A fresh object per line, as a request handler builds it. */
function requestLine(i: number) {
  return {
    requestId: `req-${i}`,
    userId: 'user-42',
    method: 'GET',
    route: '/api/models',
    status: 200,
    durationMs: 1.25,
    headers: { authorization: 'Bearer sk-live-123', accept: 'application/json', 'user-agent': 'bench' },
  }
}

/** ns per line: a per-request child logger and one line through it. */
function measure(root: Logger, lines: number): number {
  const start = process.hrtime.bigint()
  for (let i = 0; i < lines; i++)
    root.child({ requestId: `req-${i}`, userId: 'user-42' }).info(requestLine(i), 'request')
  return Number(process.hrtime.bigint() - start) / lines
}

/** ns per line with a long-lived logger (no child per line): the line alone. */
function measureLineOnly(root: Logger, lines: number): number {
  const start = process.hrtime.bigint()
  for (let i = 0; i < lines; i++) root.info(requestLine(i), 'request')
  return Number(process.hrtime.bigint() - start) / lines
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

// Correctness guard: a redacting arm that leaked the header would measure the wrong thing.
for (const name of names.filter((n) => n !== 'no redaction')) {
  const captured: string[] = []
  arms[name]!({ write: (line: string) => void captured.push(line) })
    .child({ requestId: 'r' })
    .info(requestLine(0), 'probe')
  const text = captured.join('')
  if (text.includes('sk-live-123') || !text.includes(REDACT_CENSOR))
    throw new Error(`${name}: the authorization header was not censored`)
}

const withChild = new Map<string, number[]>(names.map((n) => [n, []]))
const lineOnly = new Map<string, number[]>(names.map((n) => [n, []]))
const loggers = new Map(names.map((n) => [n, arms[n]!(nullDestination)]))
// Warm-up, untimed: let V8 optimise every arm before the first round.
for (const name of names) {
  measure(loggers.get(name)!, linesOf(name))
  measureLineOnly(loggers.get(name)!, linesOf(name))
}
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(round + k) % names.length]!
    withChild.get(name)!.push(measure(loggers.get(name)!, linesOf(name)))
    lineOnly.get(name)!.push(measureLineOnly(loggers.get(name)!, linesOf(name)))
  }
  process.stderr.write(`round ${round + 1}/${ROUNDS}\n`)
}

const m = (series: Map<string, number[]>, name: string) => median(series.get(name)!)
const perSecond = (ns: number) => 1e9 / ns
const [fresh, none, old] = names as [string, string, string]

console.log(
  `\n${LINES} lines per arm per round (${linesOf(old)} for the wildcard arm), ${ROUNDS} interleaved rounds, medians (${bytes} bytes dropped)\n`,
)
console.log(
  '| figure | one-pass redaction | no redaction | wildcard paths (before) | one-pass / none | before / none | one-pass vs before |',
)
console.log('|---|---:|---:|---:|---:|---:|---:|')
for (const [figure, series] of [
  ['child logger + request line (us)', withChild],
  ['request line only (us)', lineOnly],
] as const) {
  const [a, b, c] = [m(series, fresh), m(series, none), m(series, old)]
  console.log(
    `| ${figure} | ${(a / 1000).toFixed(2)} | ${(b / 1000).toFixed(2)} | ${(c / 1000).toFixed(2)} | ${(b / a).toFixed(3)} | ${(b / c).toFixed(3)} | ${(c / a).toFixed(1)}x faster |`,
  )
}

// Throughput ratios (lines/s against no redaction), the shape of the API logging figure, and the overhead per
// line: the target is about the API's budget, not about pino's own cost.
const row = (figure: string, series: Map<string, number[]>) => {
  const overheadUs = (m(series, fresh) - m(series, none)) / 1000
  const beforeUs = (m(series, old) - m(series, none)) / 1000
  return {
    figure,
    arms: [fresh, none, old],
    medians: [fresh, none, old].map((n) => perSecond(m(series, n))),
    unit: 'lines/s',
    comparison: `${(m(series, none) / m(series, fresh)).toFixed(3)} (one-pass / none), +${overheadUs.toFixed(2)} us/line; before: ${(m(series, none) / m(series, old)).toFixed(3)}, +${beforeUs.toFixed(0)} us/line`,
    target: `<= ${TARGET_US} us/line over no redaction`,
    pass: overheadUs <= TARGET_US,
  }
}
const rows = [
  row('logger: child + request line, lines/s (null destination)', withChild),
  row('logger: request line only, lines/s (null destination)', lineOnly),
]
const command = 'pnpm --filter @10xstudent/logger bench'
console.log(`BENCH_JSON ${JSON.stringify({ bench: 'logger', command, node: process.version, rows })}`)

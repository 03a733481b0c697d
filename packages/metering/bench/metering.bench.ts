/**
 * Metering benchmark (not a test). Arms run interleaved (A B A B ...) and medians are compared.
 *
 *   pnpm --filter @10xstudent/metering bench
 *
 * The ledger is the in-memory `createMemoryLedger()` from `@10xstudent/metering/testing`, so the figures
 * measure metering itself (wrapper, usage accounting, settlement logic), not a database round trip.
 *
 * (a) iterating 100,000 chunks from an async generator, raw vs through meterStream   target ratio >= 0.85
 * (b) a full chat() with the demo adapter at zero delay, metered vs not             target ratio >= 0.97
 * (c) heap per open metered stream, 1,000 open at once                             target <= 20 KB
 *
 * `--wall` times wall clock instead of this process's CPU time. `--quick` runs fewer rounds of every figure
 * (same arms, same A B / B A alternation, same medians; the root `pnpm bench` passes it so the whole run stays
 * well under 10 minutes): a1 5, a2 3, b 6 rounds of 40 chats (the first a warm-up), c 3 instead of 9, 5, 16, 7.
 * Prints a human Markdown table, then one `BENCH_JSON {...}` line for `scripts/bench.mjs`; progress goes to stderr.
 */
import { DEMO_MODEL } from '@10xstudent/domain'
import { chat, type StreamChunk } from '@tanstack/ai'
import { meterStream, reserveForChat } from '../src/index'
import { chunks, createMemoryLedger, demoTextAdapter } from '../src/testing/index'

const silent = { info() {}, warn() {}, error() {}, debug() {} }
const exposedGc = (globalThis as { gc?: () => void }).gc
if (!exposedGc) throw new Error('run with --expose-gc (the bench script does)')
const gc: () => void = exposedGc

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/**
 * Milliseconds of this process's CPU time (user + system) by default, or of wall time with `--wall`. On a
 * shared machine, wall time also counts the slices other processes take; CPU time counts only our work.
 */
const WALL = process.argv.includes('--wall')
const clock = WALL
  ? () => performance.now()
  : () => {
      const u = process.cpuUsage()
      return (u.user + u.system) / 1000
    }

/** Rounds per figure. Odd counts for a1, a2 and c so each arm's median is one real sample, not a mean of two. */
const QUICK = process.argv.includes('--quick')
const ROUNDS = QUICK ? { a1: 5, a2: 3, b: 6, c: 3 } : { a1: 9, a2: 5, b: 16, c: 7 }

const benchStart = performance.now()
/** Progress on stderr (stdout carries the results): which figure is done, wall seconds since start. */
const progress = (what: string) =>
  console.error(`${what} done (${((performance.now() - benchStart) / 1000).toFixed(1)} s)`)

/** Run the arms alternately (A B, B A, ...) `rounds` times; medians per arm. */
async function interleave(
  rounds: number,
  arms: { raw: () => Promise<unknown>; metered: () => Promise<unknown> },
  options: { returnsValue?: boolean; beforeRound?: () => Promise<void> } = {},
): Promise<{ raw: number; metered: number }> {
  const { returnsValue = false, beforeRound } = options
  const samples = { raw: [] as number[], metered: [] as number[] }
  for (let round = 0; round < rounds; round++) {
    await beforeRound?.()
    for (const arm of round % 2 ? (['metered', 'raw'] as const) : (['raw', 'metered'] as const)) {
      gc()
      const t = clock()
      const value = await arms[arm]()
      samples[arm].push(returnsValue ? (value as number) : clock() - t)
    }
  }
  return { raw: median(samples.raw), metered: median(samples.metered) }
}

async function main() {
  // The in-memory ledger keeps every entry and key it ever saw (a database would not keep them in this
  // process), so it is renewed between rounds: a growing heap would tax the metered arm's GC, not metering.
  let ledger = createMemoryLedger()
  const renewLedger = async () => {
    ledger = createMemoryLedger()
    await ledger.ensureUser({ userId: 'bench', initialCredits: 1_000_000_000 })
  }
  await renewLedger()
  let runSeq = 0

  // (a) 100,000 chunks --------------------------------------------------------------------------------------
  // Two sources: pre-built chunk objects from an async generator (the cheapest possible source, so the
  // ratio shows metering's whole cost), and the demo adapter's own chatStream producing 100,000 chunks
  // (a real adapter stream: builds each chunk and decodes each token, like a provider adapter does).
  const N = 100_000
  const items: StreamChunk[] = []
  items.push(chunks.runStarted(), chunks.textStart())
  for (let i = 0; i < N - 4; i++) items.push(chunks.text('tok '))
  items.push(chunks.textEnd(), chunks.runFinished({ usage: chunks.usage(100, N) }))
  async function* prebuilt() {
    for (const c of items) yield c
  }
  const longReply = 'tok '.repeat(N - 5)
  const adapter = demoTextAdapter({ replies: [longReply] })
  const adapterStream = () =>
    adapter.chatStream({
      model: DEMO_MODEL,
      messages: [{ role: 'user', content: 'go' }],
      logger: undefined as never,
    }) as AsyncIterable<StreamChunk>
  const drain = async (it: AsyncIterable<StreamChunk>) => {
    let n = 0
    for await (const _ of it) n++
    return n
  }
  const meterOpts = () => ({
    ledger,
    userId: 'bench',
    model: DEMO_MODEL,
    logger: silent,
    runId: `a${runSeq++}`,
  })
  const chunkCount = await drain(adapterStream())
  const a1 = await interleave(
    ROUNDS.a1,
    { raw: () => drain(prebuilt()), metered: () => drain(meterStream(prebuilt(), meterOpts())) },
    { beforeRound: renewLedger },
  )
  progress('(a1)')
  const a2 = await interleave(
    ROUNDS.a2,
    { raw: () => drain(adapterStream()), metered: () => drain(meterStream(adapterStream(), meterOpts())) },
    { beforeRound: renewLedger },
  )
  progress('(a2)')

  // (b) full chat() -----------------------------------------------------------------------------------------
  const messages = [{ role: 'user' as const, content: 'Tell me about credit metering.' }]
  const reply = 'Credit metering counts every token a model produces and bills it exactly once. '.repeat(8)
  const CHATS = 40
  const plainOne = () =>
    drain(
      chat({
        adapter: demoTextAdapter({ replies: [reply] }),
        messages,
        modelOptions: { maxOutputTokens: 1_024 },
      }),
    )
  const meteredOne = async () => {
    const runId = `b${runSeq++}`
    const { hold, maxOutputTokens } = await reserveForChat({
      ledger,
      userId: 'bench',
      model: DEMO_MODEL,
      messages,
      runId,
      maxOutputTokens: 1_024,
      logger: silent,
    })
    const stream = chat({
      adapter: demoTextAdapter({ replies: [reply] }),
      messages,
      modelOptions: { maxOutputTokens },
    })
    await drain(meterStream(stream, { ledger, hold, model: DEMO_MODEL, runId, logger: silent }))
  }
  // Alternate per chat inside each round (the machine is shared: drift hits both arms alike), sum per arm.
  /** Alternate arms chat by chat (order flipping each time); medians over every single chat. */
  const pairs = async (other: () => Promise<unknown>) => {
    const rawTimes: number[] = []
    const otherTimes: number[] = []
    for (let round = 0; round < ROUNDS.b; round++) {
      await renewLedger()
      gc()
      for (let i = 0; i < CHATS; i++) {
        const first = (round + i) % 2 === 0
        for (const arm of first ? ['raw', 'other'] : ['other', 'raw']) {
          const t = clock()
          const result = await (arm === 'raw' ? plainOne() : other())
          // An arm may time itself (returning { ms }) to leave untimed setup out.
          const ms = (result as { ms?: number } | undefined)?.ms ?? clock() - t
          // round 0 warms the JIT up
          if (round > 0) (arm === 'raw' ? rawTimes : otherTimes).push(ms)
        }
      }
    }
    return { raw: median(rawTimes) * CHATS, metered: median(otherTimes) * CHATS }
  }
  const b = await pairs(meteredOne)
  progress('(b)')
  // Where (b)'s cost goes: the reservation alone, and the stream metering alone (hold reserved beforehand).
  const bReserve = await pairs(async () => {
    await reserveForChat({
      ledger,
      userId: 'bench',
      model: DEMO_MODEL,
      messages,
      runId: `r${runSeq++}`,
      maxOutputTokens: 1_024,
      logger: silent,
    })
    await plainOne()
  })
  const bStream = await pairs(async () => {
    const runId = `s${runSeq++}`
    const hold = await ledger.reserve({ userId: 'bench', amount: 10, idempotencyKey: runId, runId })
    const t = clock()
    await drain(
      meterStream(
        chat({
          adapter: demoTextAdapter({ replies: [reply] }),
          messages,
          modelOptions: { maxOutputTokens: 1_024 },
        }),
        { ledger, hold, model: DEMO_MODEL, runId, logger: silent },
      ),
    )
    return { ms: clock() - t } // the reserve above is not part of this arm
  })
  progress('(b1) (b2)')
  // A/A control: the same unmetered chat() in both arms. Its distance from 1.000 is this run's noise floor.
  const b0 = await pairs(plainOne)
  progress('(b0)')

  // (c) heap per open stream --------------------------------------------------------------------------------
  const OPEN = 1_000
  const never = new Promise<never>(() => {})
  /** A source that yields one text chunk and then waits forever: a stream held open by a slow model. */
  const openSource = (): AsyncIterable<StreamChunk> => ({
    [Symbol.asyncIterator]() {
      let first = true
      return {
        next: () => {
          if (first) {
            first = false
            return Promise.resolve({ done: false, value: chunks.text('hello ') })
          }
          return never
        },
      }
    },
  })
  const holds = await Promise.all(
    Array.from({ length: OPEN }, (_, i) =>
      ledger.reserve({ userId: 'bench', amount: 10, idempotencyKey: `c${i}`, runId: `c${i}` }),
    ),
  )
  const measure = async (arm: 'raw' | 'metered') => {
    gc()
    gc()
    const before = process.memoryUsage().heapUsed
    const open: AsyncIterator<StreamChunk>[] = []
    for (let i = 0; i < OPEN; i++) {
      const src = openSource()
      const it = (
        arm === 'raw' ? src : meterStream(src, { ledger, hold: holds[i], model: DEMO_MODEL, logger: silent })
      )[Symbol.asyncIterator]()
      await it.next() // one chunk through: the meter holds its text for estimation
      open.push(it)
    }
    gc()
    gc()
    const after = process.memoryUsage().heapUsed
    if (open.length !== OPEN) throw new Error('unreachable')
    return (after - before) / OPEN
  }
  const c = await interleave(
    ROUNDS.c,
    { raw: () => measure('raw'), metered: () => measure('metered') },
    { returnsValue: true },
  )
  progress('(c)')

  const us = (x: { raw: number; metered: number }, n: number) => ((x.metered - x.raw) * 1000) / n
  /**
   * One figure, rendered twice: a row of the human Markdown table and a row of the BENCH_JSON line. `pass` is
   * null for context rows (no target); `note` says why a missed figure may still be fine.
   */
  type Figure = {
    figure: string
    arms: [string, string]
    medians: [number, number]
    unit: 'ms' | 'KB'
    /** The Markdown cells for the two arms (with the per-chunk or per-stream extra). */
    cells: [string, string]
    ratio: string
    /** The JSON comparison: the ratio plus what the Markdown shows next to the metered median. */
    comparison: string
    target: string
    pass: boolean | null
    note?: string
  }
  const ms = (x: number) => `${x.toFixed(1)} ms`
  const chunkFigure = (figure: string, x: { raw: number; metered: number }, n: number): Figure => {
    const ratio = (x.raw / x.metered).toFixed(3)
    const perChunk = `+${us(x, n).toFixed(3)} us/chunk`
    const ratioOk = x.raw / x.metered >= 0.85
    return {
      figure,
      arms: ['raw', 'metered'],
      medians: [x.raw, x.metered],
      unit: 'ms',
      cells: [ms(x.raw), `${ms(x.metered)} (${perChunk})`],
      ratio,
      comparison: `${ratio} (${perChunk})`,
      target: '>= 0.85 (< 0.5 us/chunk)',
      pass: ratioOk,
      ...(!ratioOk && us(x, n) < 0.5 ? { note: 'ratio missed, per-chunk target met' } : {}),
    }
  }
  const chatFigure = (
    figure: string,
    arms: [string, string],
    x: { raw: number; metered: number },
    target: string,
    pass: boolean | null,
  ): Figure => {
    const ratio = (x.raw / x.metered).toFixed(3)
    return {
      figure,
      arms,
      medians: [x.raw, x.metered],
      unit: 'ms',
      cells: [ms(x.raw), ms(x.metered)],
      ratio,
      comparison: ratio,
      target,
      pass,
    }
  }
  const kb = { raw: c.raw / 1024, metered: c.metered / 1024 }
  const added = `metering adds ${(kb.metered - kb.raw).toFixed(2)} KB`
  const figures: Figure[] = [
    chunkFigure('(a1) 100,000 pre-built chunks (async generator)', a1, N),
    chunkFigure(
      `(a2) ${chunkCount.toLocaleString('en')} chunks from the demo adapter's chatStream`,
      a2,
      chunkCount,
    ),
    chatFigure(
      `(b) ${CHATS} x chat(), demo adapter, 0 ms delay`,
      ['raw', 'metered'],
      b,
      '>= 0.97',
      b.raw / b.metered >= 0.97,
    ),
    chatFigure(
      '(b1) of which: reserveForChat + chat()',
      ['chat()', 'reserveForChat + chat()'],
      bReserve,
      '-',
      null,
    ),
    chatFigure(
      '(b2) of which: chat() through meterStream + settle',
      ['chat()', 'chat() through meterStream + settle'],
      bStream,
      '-',
      null,
    ),
    chatFigure(
      `(b0) A/A control: the same ${CHATS} x chat() in both arms`,
      ['chat()', 'chat()'],
      b0,
      '1.000 (noise floor)',
      null,
    ),
    {
      figure: `(c) heap per open stream, ${OPEN} open`,
      arms: ['bare source', 'metered'],
      medians: [kb.raw, kb.metered],
      unit: 'KB',
      cells: [`${kb.raw.toFixed(2)} KB (bare source)`, `${kb.metered.toFixed(2)} KB (${added})`],
      ratio: '-',
      comparison: added,
      target: '<= 20 KB',
      pass: kb.metered <= 20,
    },
  ]

  const measured = (ROUNDS.b - 1) * CHATS
  console.log(
    `node ${process.version}; medians of interleaved rounds (a1: ${ROUNDS.a1}, a2: ${ROUNDS.a2}, c: ${ROUNDS.c}; b: ${measured} single chats per arm, alternating, scaled x ${CHATS})${QUICK ? ' (--quick)' : ''}; in-memory ledger\n`,
  )
  const header = ['Arm', 'Raw (median)', 'Metered (median)', 'Ratio raw/metered', 'Target', 'Verdict']
  console.log(`| ${header.join(' | ')} |`)
  console.log(`|${header.map(() => '---').join('|')}|`)
  for (const f of figures) {
    const verdict = f.pass === null ? '-' : f.pass ? 'pass' : (f.note ?? 'FAIL')
    console.log(`| ${[f.figure, ...f.cells, f.ratio, f.target, verdict].join(' | ')} |`)
  }

  // Machine-readable line for the root `pnpm bench` (scripts/bench.mjs), the same shape as the database bench's.
  const rows = figures.map(({ figure, arms, medians, unit, comparison, target, pass, note }) => ({
    figure,
    arms,
    medians: medians.map((x) => Math.round(x * 1000) / 1000),
    unit,
    comparison,
    target,
    pass,
    ...(note ? { note } : {}),
  }))
  const command = `pnpm --filter @10xstudent/metering bench${QUICK ? ' -- --quick' : ''}`
  console.log(
    `BENCH_JSON ${JSON.stringify({ bench: 'metering', command, node: process.version, rounds: ROUNDS, rows })}`,
  )
}

await main()

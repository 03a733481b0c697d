/**
 * API benchmark (a program, not a test): the load generator. It forks `load-target.ts` (the real app wiring on
 * real PostgreSQL) and drives it over loopback with undici from this separate process. Every comparison runs
 * its arms interleaved (A B, B A, ...) in one run and reports medians and ratios.
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test pnpm --filter @10xstudent/api bench [--quick] [--json out.json]
 *
 * Figures (the demo model streams a fixed 40-chunk reply):
 * 1. TTFB of POST /api/chat, metering on vs off, one request at a time: p50 added <= 1 ms, p99 added <= 2.5 ms.
 * 2. 256 concurrent streams paced at one chunk per 20 ms: frames/s metered / unmetered >= 0.99, no stalled
 *    stream, RSS per open stream.
 * 3. Full chats/s at saturation (no pacing, 32 clients): metered / unmetered >= 0.7, then an audit of every
 *    balance, hold and ledger row against what the clients were told (no lost or double charge).
 * 4. Requests/s with logging at info vs silent (GET /api/models, the cheapest logged route) >= 0.95.
 * 5. Hono on @hono/node-server vs bare node:http on a trivial route, for context.
 *
 * Env (a benchmark program may read it): TEST_DATABASE_URL or DATABASE_URL (the bench creates and drops its
 * own database), BENCH_POOL_SIZE (pg pool of the server; default: the app's DATABASE_POOL_SIZE default),
 * BENCH_CPU_PROF=<dir> (write a V8 CPU profile of the server process there).
 */
import { type ChildProcess, fork } from 'node:child_process'
import { closeSync, openSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApiKeys, createLedger, sql } from '@10xstudent/database'
import { createTestDatabase } from '@10xstudent/database/testing'
import { type ChatResult, chatOnce, closedLoop, interleave, median, pool, quantile } from './client'
import type { ParentMessage, Ports, ServerMessage } from './protocol'
import { type BenchRow, emitReport } from './report'

const QUICK = process.argv.includes('--quick')
/** `--figures ttfb,streams,saturation,logging,stack` runs some figures only (default: all). */
const figuresArg = process.argv[process.argv.indexOf('--figures') + 1]
const FIGURES = process.argv.includes('--figures') && figuresArg ? new Set(figuresArg.split(',')) : undefined
const runs = (figure: string) => !FIGURES || FIGURES.has(figure)
const STREAMS = 256
const PACE_MS = 20
const REPLY_TOKENS = 40
const INITIAL_CREDITS = 1_000_000_000
const SAT_CLIENTS = 32
/** A stream silent for this long (50 paces) counts as stalled. */
const STALL_MS = 1000

const baseUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL
if (!baseUrl) {
  console.error(
    'Set TEST_DATABASE_URL (or DATABASE_URL) to a PostgreSQL server the bench may create a database on.',
  )
  process.exit(1)
}

interface BenchUser {
  id: string
  key: string
}

/** Talks to the forked server over IPC, one request at a time. */
function control(child: ChildProcess) {
  return <T extends ServerMessage['ok']>(
    message: ParentMessage,
    expect: T,
  ): Promise<Extract<ServerMessage, { ok: T }>> =>
    new Promise((resolve) => {
      const on = (reply: ServerMessage) => {
        if (reply.ok !== expect) return
        child.off('message', on)
        resolve(reply as Extract<ServerMessage, { ok: T }>)
      }
      child.on('message', on)
      child.send(message)
    })
}

function rssOf(pid: number): number {
  let status: string
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    return Number.NaN // not Linux, or the process is gone (its exit handler reports that)
  }
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)
  return kb ? Number(kb[1]) * 1024 : Number.NaN
}

async function main() {
  const started = performance.now()
  const testDb = await createTestDatabase({ baseUrl: baseUrl!, poolSize: 8 })
  const logFile = join(tmpdir(), `api-bench-${process.pid}.log`)
  let child: ChildProcess | undefined
  /** Set once the server is meant to go away, so its exit is not reported as a crash. */
  let closing = false
  try {
    // Users, each with an API key, funded through the ledger (one grant row each).
    const ledger = createLedger(testDb.db)
    const apiKeys = createApiKeys(testDb.db)
    const users: BenchUser[] = []
    for (let i = 0; i < STREAMS; i += 16) {
      users.push(
        ...(await Promise.all(
          Array.from({ length: 16 }, async (_, j) => {
            const id = `bench_${i + j}`
            await ledger.ensureUser({ userId: id, initialCredits: INITIAL_CREDITS })
            return { id, key: (await apiKeys.create({ userId: id, name: 'bench' })).key }
          }),
        )),
      )
    }
    await testDb.db.execute(sql`vacuum analyze`)

    // The server process: its stdout (the `logged` app's JSON lines) goes to a file, as a log shipper would
    // tail it; nothing on this side reads it during the run.
    const logFd = openSync(logFile, 'w')
    child = fork(new URL('./load-target.ts', import.meta.url).pathname, [], {
      execArgv: [
        '--conditions=@10xstudent/source',
        '--import',
        'tsx',
        '--expose-gc',
        ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []),
      ],
      env: { ...process.env, BENCH_DATABASE_URL: testDb.url },
      stdio: ['ignore', logFd, 'inherit', 'ipc'],
    })
    closeSync(logFd)
    const serverExited = new Promise<never>((_, reject) =>
      child!.once('exit', (code, signal) => {
        if (closing) return
        // Nothing the benchmark measures is valid after this: say so loudly and stop.
        console.error(`the bench server (load-target.ts) exited unexpectedly: code ${code}, signal ${signal}`)
        reject(new Error('the bench server exited'))
        process.exit(1)
      }),
    )
    serverExited.catch(() => {})
    const ask = control(child)
    const ready = await Promise.race([
      new Promise<Extract<ServerMessage, { ok: 'ready' }>>((resolve) =>
        child!.once('message', (m: ServerMessage) => {
          if (m.ok === 'ready') resolve(m)
        }),
      ),
      serverExited,
    ])
    const ports: Ports = ready.ports
    if (ready.replyTokens !== REPLY_TOKENS) throw new Error(`the reply has ${ready.replyTokens} tokens`)
    const pid = child.pid!

    const pools = {
      metered: pool(ports.metered, STREAMS),
      unmetered: pool(ports.unmetered, STREAMS),
    }
    /** Every metered chat a client completed: user -> [count, credits the credits chunk reported]. */
    const expected = new Map<string, { chats: number; charged: number }>()
    let failures = 0
    const record = (arm: 'metered' | 'unmetered', user: BenchUser, r: ChatResult) => {
      const complete =
        r.status === 200 &&
        r.contentFrames === REPLY_TOKENS &&
        r.finished &&
        !r.errored &&
        (arm === 'unmetered' || typeof r.charged === 'number')
      if (!complete) failures++
      if (arm === 'metered' && typeof r.charged === 'number') {
        const e = expected.get(user.id) ?? { chats: 0, charged: 0 }
        e.chats++
        e.charged += r.charged
        expected.set(user.id, e)
      }
      return complete
    }
    const chat = async (arm: 'metered' | 'unmetered', user: BenchUser) => {
      const r = await chatOnce(pools[arm], user.key)
      record(arm, user, r)
      return r
    }
    const rows: BenchRow[] = []
    const progress = (text: string) =>
      console.error(`[api bench ${((performance.now() - started) / 1000).toFixed(0)} s] ${text}`)

    // 1. TTFB, one request at a time ------------------------------------------------------------------------
    if (runs('ttfb')) {
      // A 1 ms pace: with none, the whole reply is generated in microtasks before the socket is first flushed,
      // and "first byte" would time the whole stream. The first frame (RUN_STARTED) precedes the first pause.
      await ask({ cmd: 'pace', ms: 1 }, 'pace')
      const TTFB_N = QUICK ? 60 : 250
      for (let i = 0; i < 30; i++) {
        await chat('metered', users[i % STREAMS]!)
        await chat('unmetered', users[i % STREAMS]!)
      }
      // Context for the added time: one committed single-row UPDATE on the same server, timed between requests
      // (the reserve is one such transaction, so a commit's latency is the floor of what metering adds).
      await testDb.db.execute(sql`create table bench_commit (id int primary key, n int not null)`)
      await testDb.db.execute(sql`insert into bench_commit values (1, 0)`)
      const ttfb = { metered: [] as number[], unmetered: [] as number[], commit: [] as number[] }
      for (let i = 0; i < TTFB_N; i++) {
        const order = i % 2 === 0 ? (['metered', 'unmetered'] as const) : (['unmetered', 'metered'] as const)
        for (const arm of order) ttfb[arm].push((await chat(arm, users[i % STREAMS]!)).ttfbMs)
        const t0 = performance.now()
        await testDb.db.execute(sql`update bench_commit set n = n + 1 where id = 1`)
        ttfb.commit.push(performance.now() - t0)
      }
      for (const [label, q, limit] of [
        ['p50', 0.5, 1],
        ['p99', 0.99, 2.5],
      ] as const) {
        const m = quantile(ttfb.metered, q)
        const u = quantile(ttfb.unmetered, q)
        rows.push({
          figure: `TTFB ${label}, POST /api/chat, 1 at a time`,
          arms: ['metered', 'unmetered'],
          medians: [m, u],
          unit: 'ms',
          comparison: `${m - u >= 0 ? '+' : ''}${(m - u).toFixed(2)} ms`,
          target: `added <= ${limit} ms`,
          pass: m - u <= limit,
          note:
            `${label} of one committed single-row UPDATE on the same PostgreSQL, timed between the requests: ` +
            `${quantile(ttfb.commit, q).toFixed(2)} ms` +
            (label === 'p50'
              ? `; ${TTFB_N} requests per arm, alternating, each read to its end; first byte = the first SSE frame (RUN_STARTED); demo pace 1 ms`
              : ''),
        })
      }
      progress('TTFB done')
    }

    // 2. 256 paced streams ----------------------------------------------------------------------------------
    if (runs('streams')) {
      await ask({ cmd: 'pace', ms: PACE_MS }, 'pace')
      const waveStats = {
        metered: { stalled: 0, maxGap: 0, rssPerStream: [] as number[], waveMs: [] as number[] },
        unmetered: { stalled: 0, maxGap: 0, rssPerStream: [] as number[], waveMs: [] as number[] },
      }
      const wave = async (arm: 'metered' | 'unmetered'): Promise<number> => {
        const { rss: baseline } = await ask({ cmd: 'gc' }, 'gc')
        let peak = baseline
        const sampler = setInterval(() => {
          const rss = rssOf(pid)
          if (rss > peak) peak = rss
        }, 20)
        const t0 = performance.now()
        const results = await Promise.all(users.slice(0, STREAMS).map((u) => chat(arm, u)))
        const waveMs = performance.now() - t0
        clearInterval(sampler)
        const s = waveStats[arm]
        let framesPerSecond = 0
        for (const r of results) {
          const complete = r.status === 200 && r.contentFrames === REPLY_TOKENS && r.finished && !r.errored
          if (!complete || r.maxGapMs > STALL_MS) s.stalled++
          s.maxGap = Math.max(s.maxGap, r.maxGapMs)
          // Delivery rate of this open stream: frames between its first and last text frame.
          if (r.contentFrames > 1)
            framesPerSecond += (r.contentFrames - 1) / ((r.lastContentAt - r.firstContentAt) / 1000)
        }
        s.rssPerStream.push((peak - baseline) / STREAMS)
        s.waveMs.push(waveMs)
        return framesPerSecond
      }
      await wave('metered')
      await wave('unmetered')
      for (const s of Object.values(waveStats)) {
        s.rssPerStream.length = 0
        s.waveMs.length = 0
      }
      const frames = await interleave(QUICK ? 2 : 4, {
        metered: () => wave('metered'),
        unmetered: () => wave('unmetered'),
      })
      const fm = median(frames.metered)
      const fu = median(frames.unmetered)
      const stalled = waveStats.metered.stalled + waveStats.unmetered.stalled
      rows.push({
        figure: `${STREAMS} streams paced at ${PACE_MS} ms/chunk: frames/s`,
        arms: ['metered', 'unmetered'],
        medians: [fm, fu],
        unit: 'frames/s',
        comparison: (fm / fu).toFixed(3),
        target: '>= 0.99, no stalled stream',
        pass: fm / fu >= 0.99 && stalled === 0,
        note:
          `sum over open streams of each one's text-frame rate; stalled streams: ${stalled}; longest gap between ` +
          `two reads: ${Math.max(waveStats.metered.maxGap, waveStats.unmetered.maxGap).toFixed(0)} ms; whole ` +
          `wave (reserve to settle): ${median(waveStats.metered.waveMs).toFixed(0)} ms metered, ` +
          `${median(waveStats.unmetered.waveMs).toFixed(0)} ms unmetered`,
      })
      const rm = median(waveStats.metered.rssPerStream) / 1024
      const ru = median(waveStats.unmetered.rssPerStream) / 1024
      rows.push({
        figure: `RSS per open stream (${STREAMS} open)`,
        arms: ['metered', 'unmetered'],
        medians: [rm, ru],
        unit: 'KB',
        comparison: `${rm - ru >= 0 ? '+' : ''}${(rm - ru).toFixed(1)} KB`,
        target: 'reported',
        pass: null,
        note: 'server RSS peak during the wave minus RSS after a full GC before it, divided by the streams',
      })
      progress('paced streams done')
    }

    // 3. Chats/s at saturation ------------------------------------------------------------------------------
    if (runs('saturation')) {
      await ask({ cmd: 'pace', ms: 0 }, 'pace')
      const SAT_MS = QUICK ? 1500 : 3000
      const hot = users[STREAMS - 1]!
      const saturate = async (arm: 'metered' | 'unmetered', hotUser: boolean): Promise<number> => {
        const t0 = performance.now()
        const deadline = t0 + SAT_MS
        let done = 0
        await Promise.all(
          Array.from({ length: SAT_CLIENTS }, async (_, i) => {
            const user = hotUser ? hot : users[i]!
            while (performance.now() < deadline) {
              await chat(arm, user)
              done++
            }
          }),
        )
        return done / ((performance.now() - t0) / 1000)
      }
      await saturate('metered', false)
      await saturate('unmetered', false)
      const sat = await interleave(QUICK ? 2 : 3, {
        metered: () => saturate('metered', false),
        unmetered: () => saturate('unmetered', false),
        hot: () => saturate('metered', true),
      })
      const sm = median(sat.metered)
      const su = median(sat.unmetered)
      const sh = median(sat.hot)
      const { open } = await ask({ cmd: 'streams' }, 'streams')
      const audit = await auditLedger(testDb.db, users, expected)
      rows.push({
        figure: `Full chats/s at saturation (${SAT_CLIENTS} clients, ${SAT_CLIENTS} users)`,
        arms: ['metered', 'unmetered'],
        medians: [sm, su],
        unit: 'chats/s',
        comparison: (sm / su).toFixed(3),
        target: '>= 0.7, ledger audit clean',
        pass: sm / su >= 0.7 && audit.problems.length === 0 && failures === 0 && open === 0,
        note: `audit after ${audit.chats} metered chats (every figure so far): ${
          audit.problems.length === 0
            ? 'every balance = opening - charged, one settled hold and one settle row per chat, settle costs = the credits chunks, no active hold'
            : audit.problems.slice(0, 5).join('; ')
        }; failed requests: ${failures}; streams open afterwards: ${open}`,
      })
      rows.push({
        figure: `Metered chats/s, ${SAT_CLIENTS} clients on 1 user vs ${SAT_CLIENTS} users`,
        arms: ['1 user', `${SAT_CLIENTS} users`],
        medians: [sh, sm],
        unit: 'chats/s',
        comparison: (sh / sm).toFixed(3),
        target: 'context',
        pass: null,
        note: "one user's reserve and settle serialise on that user's balance row (the hot-row lock)",
      })
      progress('saturation done')
    }

    // 4. Logging at info vs silent --------------------------------------------------------------------------
    const LOG_MS = QUICK ? 800 : 1200
    const plain = {
      logged: pool(ports.logged, 16),
      silent: pool(ports.metered, 16),
      hono: pool(ports.hono, 16),
      node: pool(ports.node, 16),
    }
    if (runs('logging')) {
      await closedLoop(plain.logged, '/api/models', 16, 500)
      await closedLoop(plain.silent, '/api/models', 16, 500)
      const logBytesBefore = statSync(logFile).size
      const logging = await interleave(QUICK ? 3 : 6, {
        info: () => closedLoop(plain.logged, '/api/models', 16, LOG_MS),
        silent: () => closedLoop(plain.silent, '/api/models', 16, LOG_MS),
      })
      const li = median(logging.info)
      const ls = median(logging.silent)
      rows.push({
        figure: 'Requests/s, GET /api/models, 16 connections: logging',
        arms: ['info', 'silent'],
        medians: [li, ls],
        unit: 'req/s',
        comparison: (li / ls).toFixed(3),
        target: '>= 0.95',
        pass: li / ls >= 0.95,
        note: `one JSON line per request to the server's stdout (a file here; ${(
          (statSync(logFile).size - logBytesBefore) / 1e6
        ).toFixed(1)} MB written)`,
      })
      progress('logging done')
    }

    // 5. HTTP stack -----------------------------------------------------------------------------------------
    if (runs('stack')) {
      await closedLoop(plain.hono, '/', 16, 500)
      await closedLoop(plain.node, '/', 16, 500)
      const stack = await interleave(QUICK ? 3 : 5, {
        hono: () => closedLoop(plain.hono, '/', 16, LOG_MS),
        node: () => closedLoop(plain.node, '/', 16, LOG_MS),
        app: () => closedLoop(plain.silent, '/healthz', 16, LOG_MS),
      })
      const hh = median(stack.hono)
      const hn = median(stack.node)
      const ha = median(stack.app)
      rows.push({
        figure: 'Requests/s, trivial JSON route, 16 connections',
        arms: ['Hono on @hono/node-server', 'bare node:http', 'full app /healthz'],
        medians: [hh, hn, ha],
        unit: 'req/s',
        comparison: `${(hh / hn).toFixed(3)} (Hono / node:http)`,
        target: 'context',
        pass: null,
        note: 'the full app adds request ids, the request-log middleware (silent here) and route metrics',
      })
      progress('HTTP stack done')
    }

    for (const p of [...Object.values(pools), ...Object.values(plain)]) await p.close()
    closing = true
    await ask({ cmd: 'close' }, 'close')
    child = undefined

    console.log(
      `\nnode ${process.version}; server pid ${pid} (pg pool ${ready.poolSize}); load from this process over loopback; ` +
        `${((performance.now() - started) / 1000).toFixed(0)} s\n`,
    )
    emitReport(
      {
        bench: 'api',
        command: 'pnpm --filter @10xstudent/api bench',
        node: process.version,
        rows,
      },
      process.argv,
    )
  } catch (err) {
    console.error(err)
    process.exitCode = 1
  } finally {
    closing = true
    child?.kill('SIGKILL')
    rmSync(logFile, { force: true })
    await testDb.drop()
  }
}

/**
 * Compare the database with what the clients were told: for every user, the balance equals the opening grant
 * minus the charges the `credits` chunks reported, the ledger rows add up to the balance (I2), every metered
 * chat left exactly one settled hold and one settle row, and no hold is still active.
 */
async function auditLedger(
  db: Awaited<ReturnType<typeof createTestDatabase>>['db'],
  users: BenchUser[],
  expected: Map<string, { chats: number; charged: number }>,
): Promise<{ chats: number; problems: string[] }> {
  const result = await db.execute(sql`
    select u.id,
      u.credits::bigint as credits,
      (select coalesce(sum(l.delta), 0) from credit_logs l where l.user_id = u.id)::bigint as ledger_sum,
      (select count(*) from credit_logs l where l.user_id = u.id and l.kind = 'settle')::int as settles,
      (select coalesce(sum(l.cost), 0) from credit_logs l where l.user_id = u.id and l.kind = 'settle')::bigint as settled_cost,
      (select count(*) from credit_holds h where h.user_id = u.id)::int as holds,
      (select count(*) from credit_holds h where h.user_id = u.id and h.status = 'settled')::int as settled_holds,
      (select count(*) from credit_holds h where h.user_id = u.id and h.status = 'active')::int as active_holds
    from users u where u.id like 'bench\\_%'`)
  const rows = (result as unknown as { rows: Array<Record<string, unknown>> }).rows
  const problems: string[] = []
  let chats = 0
  if (rows.length !== users.length)
    problems.push(`${rows.length} users in the database, ${users.length} seeded`)
  for (const row of rows) {
    const id = String(row.id)
    const want = expected.get(id) ?? { chats: 0, charged: 0 }
    chats += want.chats
    const got = {
      credits: Number(row.credits),
      ledgerSum: Number(row.ledger_sum),
      settles: Number(row.settles),
      settledCost: Number(row.settled_cost),
      holds: Number(row.holds),
      settledHolds: Number(row.settled_holds),
      activeHolds: Number(row.active_holds),
    }
    const check = (ok: boolean, what: string) => {
      if (!ok) problems.push(`${id}: ${what} (${JSON.stringify({ want, got })})`)
    }
    check(got.credits === INITIAL_CREDITS - want.charged, 'balance != opening - charged')
    check(got.ledgerSum === got.credits, 'ledger sum != balance')
    check(got.settles === want.chats, 'settle rows != metered chats')
    check(got.holds === want.chats && got.settledHolds === want.chats, 'holds != metered chats')
    check(got.settledCost === want.charged, 'settled cost != charged')
    check(got.activeHolds === 0, 'active hold left')
  }
  return { chats, problems }
}

await main()
// Pooled keep-alive sockets (left open on an error path) must not keep the process, and `pnpm bench`, waiting.
process.exit(process.exitCode ?? 0)

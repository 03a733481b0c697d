/**
 * Ledger throughput against the same PostgreSQL as `pgbench -N`, 16 clients each, arms interleaved per round
 * (pgbench, charge, pairs, hot, pgbench, ...) so drift on a shared machine hits every arm alike.
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test pnpm --filter @10xstudent/database bench
 *
 * Env (a benchmark program, so it may read env): TEST_DATABASE_URL or DATABASE_URL (server to use; the bench
 * creates and drops its own databases), BENCH_SECONDS (per arm per round, default 10), BENCH_ROUNDS (default 3).
 *
 * Fairness: same server, same client count, same duration, arms interleaved, medians. pgbench runs its own
 * scale-1 tables in its default (simple) query mode, as `pgbench -N` means; the ledger arms run through the
 * real client (`createLedger`, one pool of 16, named prepared statements) after a short untimed warm-up so no
 * arm pays for connecting or preparing. WAL bytes per operation come from `pg_current_wal_lsn()` before and
 * after each arm; the position is server-wide, so other work on the server inflates them a little.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { createLedger, type PgCreditLedger, sql } from '../src/index'
import { createTestDatabase } from '../src/testing/index'

const baseUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL
if (!baseUrl) {
  console.error(
    'Set TEST_DATABASE_URL (or DATABASE_URL) to a PostgreSQL server the bench may create databases on.',
  )
  process.exit(1)
}
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const CLIENTS = 16
const USERS = 10_000

function withDatabase(url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

async function admin(query: string) {
  const client = new pg.Client({ connectionString: baseUrl })
  await client.connect()
  try {
    await client.query(query)
  } finally {
    await client.end()
  }
}

function pgbench(args: string[]): string {
  const result = spawnSync('pgbench', args, { encoding: 'utf8' })
  if (result.error) throw new Error(`cannot run pgbench (is it installed?): ${result.error.message}`)
  if (result.status !== 0) throw new Error(`pgbench ${args.join(' ')} failed:\n${result.stderr}`)
  return result.stdout
}

interface ArmResult {
  /** Operations (transactions, calls or pairs) per second. */
  rate: number
  /** Operations completed. */
  ops: number
}

/** Run `op` in a closed loop on CLIENTS concurrent workers for `seconds`. */
async function closedLoop(
  op: (worker: number, i: number) => Promise<unknown>,
  seconds = SECONDS,
): Promise<ArmResult> {
  const deadline = performance.now() + seconds * 1000
  let done = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, worker) => {
      for (let i = 0; performance.now() < deadline; i++) {
        await op(worker, i)
        done++
      }
    }),
  )
  return { rate: done / ((performance.now() - started) / 1000), ops: done }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

async function main() {
  const pgbenchDb = `bench_pgbench_${randomBytes(4).toString('hex')}`
  await admin(`create database "${pgbenchDb}"`)
  const pgbenchUrl = withDatabase(baseUrl!, pgbenchDb)
  const ledgerDb = await createTestDatabase({ baseUrl: baseUrl!, poolSize: CLIENTS })
  try {
    pgbench(['-i', '-q', pgbenchUrl])
    const ledger: PgCreditLedger = createLedger(ledgerDb.db)
    // Funded through the ledger so the database is in a real state (one grant entry per user).
    await ledgerDb.db.execute(
      sql`select ledger_ensure_user('bench_' || g, 1000000000000) from generate_series(0, ${USERS - 1}) as g`,
    )
    await ledger.ensureUser({ userId: 'hot', initialCredits: 1_000_000_000_000 })
    await ledgerDb.db.execute(sql`vacuum analyze`)
    const run = randomBytes(3).toString('hex')
    let round = 0
    const user = () => `bench_${Math.floor(Math.random() * USERS)}`

    const arms: Record<string, (seconds: number) => Promise<ArmResult>> = {
      'pgbench -N (tx/s)': async (seconds) => {
        const out = pgbench(['-N', '-n', '-c', String(CLIENTS), '-j', '2', '-T', String(seconds), pgbenchUrl])
        const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(out)
        const ops = /number of transactions actually processed: (\d+)/.exec(out)
        if (!tps || !ops) throw new Error(`cannot parse pgbench output:\n${out}`)
        return { rate: Number(tps[1]), ops: Number(ops[1]) }
      },
      'charge (calls/s, 10k users)': (seconds) =>
        closedLoop(
          (w, i) =>
            ledger.charge({
              userId: user(),
              amount: 1,
              operation: 'bench',
              idempotencyKey: `c:${run}:${round}:${w}:${i}`,
            }),
          seconds,
        ),
      'reserve+settle (pairs/s, 10k users)': (seconds) =>
        closedLoop(async (w, i) => {
          const hold = await ledger.reserve({
            userId: user(),
            amount: 10,
            idempotencyKey: `p:${run}:${round}:${w}:${i}`,
          })
          await ledger.settle(hold.id, { amount: 3 })
        }, seconds),
      'reserve+settle (pairs/s, 1 hot user)': (seconds) =>
        closedLoop(async (w, i) => {
          const hold = await ledger.reserve({
            userId: 'hot',
            amount: 10,
            idempotencyKey: `h:${run}:${round}:${w}:${i}`,
          })
          await ledger.settle(hold.id, { amount: 3 })
        }, seconds),
    }
    // Untimed warm-up: open the pool's connections and prepare the statements on each of them.
    round = -1
    for (const [name, arm] of Object.entries(arms)) if (!name.startsWith('pgbench')) await arm(1)
    const lsn = async () => {
      const { rows } = await ledgerDb.db.execute<{ lsn: string }>(
        sql`select pg_current_wal_lsn()::text as lsn`,
      )
      return rows[0]!.lsn
    }
    const walBytes = async (from: string, to: string) => {
      const { rows } = await ledgerDb.db.execute<{ b: string }>(
        sql`select pg_wal_lsn_diff(${to}::pg_lsn, ${from}::pg_lsn)::text as b`,
      )
      return Number(rows[0]!.b)
    }
    const results = new Map<string, number[]>(Object.keys(arms).map((k) => [k, []]))
    const wal = new Map<string, number[]>(Object.keys(arms).map((k) => [k, []]))
    for (round = 0; round < ROUNDS; round++) {
      for (const [name, arm] of Object.entries(arms)) {
        const before = await lsn()
        const { rate, ops } = await arm(SECONDS)
        const perOp = (await walBytes(before, await lsn())) / Math.max(ops, 1)
        results.get(name)!.push(rate)
        wal.get(name)!.push(perOp)
        console.error(
          `round ${round + 1}/${ROUNDS} ${name}: ${rate.toFixed(0)} (${perOp.toFixed(0)} WAL B/op)`,
        )
      }
    }

    const m = (name: string) => median(results.get(name)!)
    const base = m('pgbench -N (tx/s)')
    const uniformPairs = m('reserve+settle (pairs/s, 10k users)')
    const rows: Array<[string, number, string, string]> = [
      ['pgbench -N (tx/s)', base, '1.00x pgbench', 'baseline'],
      [
        'charge (calls/s, 10k users)',
        m('charge (calls/s, 10k users)'),
        `${(m('charge (calls/s, 10k users)') / base).toFixed(2)}x pgbench`,
        '>= 0.80x pgbench',
      ],
      [
        'reserve+settle (pairs/s, 10k users)',
        uniformPairs,
        `${(uniformPairs / base).toFixed(2)}x pgbench`,
        '>= 0.50x pgbench',
      ],
      [
        'reserve+settle (pairs/s, 1 hot user)',
        m('reserve+settle (pairs/s, 1 hot user)'),
        `${(m('reserve+settle (pairs/s, 1 hot user)') / uniformPairs).toFixed(2)}x uniform`,
        '>= 0.25x uniform',
      ],
    ]
    const pass = [
      true,
      m('charge (calls/s, 10k users)') >= 0.8 * base,
      uniformPairs >= 0.5 * base,
      m('reserve+settle (pairs/s, 1 hot user)') >= 0.25 * uniformPairs,
    ]
    console.log(
      `\n${CLIENTS} clients, ${SECONDS} s per arm, ${ROUNDS} interleaved rounds (medians; all rounds in brackets)\n`,
    )
    console.log('| arm | median | rounds | ratio | target | met | WAL bytes/op |')
    console.log('|---|---:|---|---:|---|---|---:|')
    rows.forEach(([name, value, ratio, target], i) => {
      const all = results
        .get(name)!
        .map((v) => v.toFixed(0))
        .join(', ')
      console.log(
        `| ${name} | ${value.toFixed(0)} | [${all}] | ${ratio} | ${target} | ${i === 0 ? '' : pass[i] ? 'yes' : 'NO'} | ${median(wal.get(name)!).toFixed(0)} |`,
      )
    })
    // Machine-readable line for the root `pnpm bench` (scripts/bench.mjs).
    const benchRows = rows.map(([name, value, ratio, target], i) => ({
      figure: `ledger: ${name}`,
      arms: ['median'],
      medians: [value],
      unit: /\(([^,)\s]+)/.exec(name)?.[1] ?? '',
      comparison: ratio,
      target,
      pass: i === 0 ? null : pass[i],
    }))
    const command = 'pnpm --filter @10xstudent/database bench'
    console.log(
      `BENCH_JSON ${JSON.stringify({ bench: 'database', command, node: process.version, rows: benchRows })}`,
    )
  } finally {
    await ledgerDb.drop()
    await admin(`drop database if exists "${pgbenchDb}" with (force)`)
  }
}

await main()

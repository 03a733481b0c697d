/**
 * Harness of the reliability suite: the REAL API process (`src/server.ts`, or `fault-server.ts` for demo-model
 * faults) spawned as a child connected to PostgreSQL as the least-privilege app role of
 * `packages/database/sql/roles.sql`, plus one database per test file, SQL invariant checks and SSE helpers.
 *
 * Children are killed with SIGKILL (crash tests) or SIGTERM; `stopAll()` in afterAll never leaves one behind.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  APP_ROLE,
  applyAppRole,
  createApiKeys,
  createDb,
  createLedger,
  type Database,
  sql,
} from '@10xstudent/database'
import { createTestDatabase, testDatabaseUrl } from '@10xstudent/database/testing'
import type { ApiKeys, AppLedger } from '../../src/types'

export const pgUrl = testDatabaseUrl(process.env)
if (!pgUrl) console.warn('TEST_DATABASE_URL is not set: skipping the reliability suite of apps/api')
export const redisUrl = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379'

const here = dirname(fileURLToPath(import.meta.url))
export const API_DIR = resolve(here, '../..')
export const SERVER_ENTRY = resolve(API_DIR, 'src/server.ts')
export const FAULT_ENTRY = resolve(here, 'fault-server.ts')
export const CLOCK_SKEW_PRELOAD = resolve(here, 'clock-skew.mjs')
export const ADMIN_KEY = 'reliability-admin-key-0123456789abcdef-XYZ'

let counter = 0
const unique = (prefix: string) => `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`

export interface TestUser {
  userId: string
  key: string
  keyId: string
  headers: Record<string, string>
}

export interface ReliabilityDb {
  /** Owner (migrating) connection: setup and SQL checks only; the API never uses it. */
  owner: Database
  /** The database name. */
  name: string
  ownerUrl: string
  /** URL of the login role that is a member of `credits_app`. */
  appUrl: string
  ledger: AppLedger
  apiKeys: ApiKeys
  user(credits: number, userId?: string): Promise<TestUser>
  drop(): Promise<void>
}

/** One statement on the server's maintenance database (roles are cluster-wide). */
export async function adminQuery(text: string): Promise<Array<Record<string, unknown>>> {
  const db = createDb({ url: pgUrl!, poolSize: 1 })
  try {
    return (await db.execute(sql.raw(text))).rows
  } finally {
    await db.close()
  }
}

/**
 * A fresh migrated database with `sql/roles.sql` applied and a login role (member of `credits_app`) for the
 * API children. `holdTtlMs` only affects holds created through `ledger` here (the children use HOLD_TTL_MS).
 */
export async function createReliabilityDb(options: { holdTtlMs?: number } = {}): Promise<ReliabilityDb> {
  if (!pgUrl) throw new Error('TEST_DATABASE_URL is required')
  const testDb = await createTestDatabase({ baseUrl: pgUrl, poolSize: 10 })
  await applyAppRole(testDb.db)
  // Lowercase letters, digits and underscores only: interpolated as an identifier.
  const role = `rel_app_${randomBytes(6).toString('hex')}`
  await adminQuery(`create role ${role} login in role ${APP_ROLE}`)
  const appUrl = new URL(testDb.url)
  appUrl.username = role
  appUrl.password = ''
  const owner = testDb.db
  const ledger = createLedger(owner, { holdTtlMs: options.holdTtlMs ?? 600_000 }) as unknown as AppLedger
  const apiKeys = createApiKeys(owner) as unknown as ApiKeys
  return {
    owner,
    name: new URL(testDb.url).pathname.slice(1),
    ownerUrl: testDb.url,
    appUrl: appUrl.toString(),
    ledger,
    apiKeys,
    async user(credits, userId) {
      const id = userId ?? unique('user')
      await ledger.ensureUser({ userId: id, initialCredits: credits })
      const key = await apiKeys.create({ userId: id, name: 'reliability' })
      return { userId: id, key: key.key, keyId: key.id, headers: { authorization: `Bearer ${key.key}` } }
    },
    async drop() {
      await testDb.drop()
      await adminQuery(`drop role if exists ${role}`)
    },
  }
}

export interface ApiProcess {
  url: string
  pid: number
  /** Every stdout line (pino JSON) and stderr line, for log assertions. */
  stdout: string[]
  stderr: string[]
  /** Parsed JSON log lines. */
  logs(): Array<Record<string, unknown>>
  kill(signal?: NodeJS.Signals): Promise<void>
  exited: Promise<number | null>
}

const running = new Set<ChildProcess>()

export interface StartApiOptions {
  /** Entry file; default `src/server.ts`. */
  entry?: string
  /** Extra `--import` preloads (e.g. the clock-skew shim). */
  preload?: string[]
  /** Extra environment for this child (merged over the defaults). */
  env?: Record<string, string>
  /** Overall start timeout. */
  timeoutMs?: number
}

/**
 * Spawn the real API process, wait for its "API listening" line and a 200 from `/readyz`.
 * The child sees only the variables given here (plus PATH/HOME), never the parent's secrets.
 */
export async function startApi(databaseUrl: string, options: StartApiOptions = {}): Promise<ApiProcess> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '10',
    ADMIN_API_KEY: ADMIN_KEY,
    RATE_LIMIT_RPM: '100000',
    MAX_CONCURRENT_STREAMS: '1000',
    DEMO_CHUNK_DELAY_MS: '2',
    SWEEP_INTERVAL_MS: '0',
    WEB_DIST_DIR: '/nonexistent/web-dist',
    ...options.env,
  }
  const args = ['--conditions=@10xstudent/source', '--import', 'tsx']
  for (const p of options.preload ?? []) args.push('--import', p)
  args.push(options.entry ?? SERVER_ENTRY)
  const child = spawn(process.execPath, args, { cwd: API_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  const stdout: string[] = []
  const stderr: string[] = []
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => {
      running.delete(child)
      resolveExit(code)
    }),
  )
  const lines = (sink: string[], stream: NodeJS.ReadableStream) => {
    let buffer = ''
    stream.setEncoding('utf8')
    stream.on('data', (data: string) => {
      buffer += data
      let nl = buffer.indexOf('\n')
      while (nl >= 0) {
        sink.push(buffer.slice(0, nl))
        buffer = buffer.slice(nl + 1)
        nl = buffer.indexOf('\n')
      }
    })
  }
  lines(stdout, child.stdout!)
  lines(stderr, child.stderr!)

  const logs = () =>
    stdout.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>]
      } catch {
        return []
      }
    })
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill(signal)
    await exited
  }

  const deadline = Date.now() + (options.timeoutMs ?? 60_000)
  let url: string | undefined
  while (!url) {
    if (child.exitCode !== null) {
      throw new Error(
        `API exited with ${child.exitCode} during start:\n${stderr.join('\n')}\n${stdout.join('\n')}`,
      )
    }
    if (Date.now() > deadline) {
      await kill()
      throw new Error(`API did not start in time:\n${stderr.join('\n')}\n${stdout.join('\n')}`)
    }
    const line = logs().find((l) => l.msg === 'API listening')
    if (line) url = String(line.url)
    else await sleep(50)
  }
  for (;;) {
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    )
    if (ok) break
    if (Date.now() > deadline) {
      await kill()
      throw new Error('API never became ready')
    }
    await sleep(50)
  }
  return { url, pid: child.pid!, stdout, stderr, logs, kill, exited }
}

/** SIGKILL every child still running (afterAll safety net). */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done()
          child.once('exit', () => done())
          child.kill('SIGKILL')
        }),
    ),
  )
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Poll until `check` returns a value other than undefined. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await sleep(25)
  }
}

export const JSON_HEADERS = { 'content-type': 'application/json' }

/** POST a JSON chat. */
export function postChat(
  url: string,
  user: Pick<TestUser, 'headers'>,
  body: unknown,
  init: { signal?: AbortSignal; headers?: Record<string, string> } = {},
): Promise<Response> {
  return fetch(`${url}/api/chat`, {
    method: 'POST',
    headers: { ...user.headers, ...JSON_HEADERS, ...init.headers },
    body: JSON.stringify(body),
    ...(init.signal ? { signal: init.signal } : {}),
  })
}

export interface SseChunk {
  type: string
  [key: string]: unknown
}

export function parseSse(text: string): SseChunk[] {
  return text
    .split('\n\n')
    .map((frame) => frame.split('\n').find((line) => line.startsWith('data: ')))
    .filter((line): line is string => line !== undefined)
    .flatMap((line) => {
      try {
        return [JSON.parse(line.slice('data: '.length)) as SseChunk]
      } catch {
        return []
      }
    })
}

export function creditsOf(
  chunks: SseChunk[],
): { charged: number; balance: number; held: number; estimated: boolean } | undefined {
  const chunk = chunks.find((c) => c.type === 'CUSTOM' && c.name === 'credits')
  return chunk?.value as { charged: number; balance: number; held: number; estimated: boolean } | undefined
}

/**
 * Read an SSE response until its first TEXT_MESSAGE_CONTENT chunk (or the end); returns the reader so the
 * caller can abort, or keep reading with {@link readRest}.
 */
export async function readUntilFirstText(
  res: Response,
): Promise<{ text: string; reader: ReadableStreamDefaultReader<Uint8Array> }> {
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    text += decoder.decode(value, { stream: true })
    if (text.includes('"TEXT_MESSAGE_CONTENT"')) break
  }
  return { text, reader }
}

export async function readRest(reader: ReadableStreamDefaultReader<Uint8Array>, start = ''): Promise<string> {
  const decoder = new TextDecoder()
  let text = start
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return text
    text += decoder.decode(value, { stream: true })
  }
}

export interface InvariantReport {
  users: number
  holds: number
  entries: number
  activeHolds: number
}

/**
 * Check the ledger invariants by SQL on the owner connection and throw a precise error on the first breach:
 * - I1 no negative balance (users and every entry's balance_after);
 * - I2 users.credits = sum of the user's deltas (users here are created by the ledger: opening balance 0,
 *   the initial credits are a grant entry);
 * - held = sum of active holds, each hold has exactly one `hold` entry and, once resolved, exactly one
 *   resolution entry (settle/release/expire) matching its status, none while active (I3);
 * - I4: no run charged twice: at most one run settlement per run id (a `settle`, or the `charge:<runId>`
 *   fallback after the sweeper expired the hold; per-tool charges `tool:<runId>:<callId>` are separate).
 */
export async function checkInvariants(db: Database): Promise<InvariantReport> {
  const rows = async <T>(query: ReturnType<typeof sql>) => (await db.execute(query)).rows as T[]

  const negative = await rows<{ id: string }>(sql`
    select id from users where credits < 0
    union all select user_id from credit_logs where balance_after < 0`)
  if (negative.length > 0) throw new Error(`I1: negative balance for ${JSON.stringify(negative)}`)

  const drift = await rows<{ id: string; credits: string; sum: string }>(sql`
    select u.id, u.credits::text, coalesce(sum(l.delta), 0)::text as sum
    from users u left join credit_logs l on l.user_id = u.id
    group by u.id, u.credits having u.credits <> coalesce(sum(l.delta), 0)`)
  if (drift.length > 0) throw new Error(`I2: balance != sum(delta): ${JSON.stringify(drift)}`)

  const badHolds = await rows<{ id: string; status: string; holds: string; resolutions: string }>(sql`
    select h.id, h.status,
      count(*) filter (where l.kind = 'hold')::text as holds,
      count(*) filter (where l.kind in ('settle', 'release', 'expire'))::text as resolutions,
      count(*) filter (where (h.status = 'settled' and l.kind = 'settle') or (h.status = 'released' and l.kind = 'release')
        or (h.status = 'expired' and l.kind = 'expire'))::text as matching
    from credit_holds h left join credit_logs l on l.hold_id = h.id
    group by h.id, h.status
    having count(*) filter (where l.kind = 'hold') <> 1
      or count(*) filter (where l.kind in ('settle', 'release', 'expire')) <> (case when h.status = 'active' then 0 else 1 end)
      or (h.status <> 'active' and count(*) filter (where (h.status = 'settled' and l.kind = 'settle')
        or (h.status = 'released' and l.kind = 'release') or (h.status = 'expired' and l.kind = 'expire')) <> 1)`)
  if (badHolds.length > 0) throw new Error(`I3: holds not resolved exactly once: ${JSON.stringify(badHolds)}`)

  // Conservation per hold: the hold entry takes exactly `amount`; its resolution gives back `amount - cost`
  // (settle: released minus any excess taken; release/expire: everything), so held credits are never lost.
  const leaks = await rows<{ id: string; kind: string }>(sql`
    select h.id, l.kind from credit_holds h join credit_logs l on l.hold_id = h.id
    where (l.kind = 'hold' and l.delta <> -h.amount)
       or (l.kind in ('settle', 'release', 'expire') and l.delta <> h.amount - l.cost)`)
  if (leaks.length > 0) throw new Error(`hold amounts not conserved: ${JSON.stringify(leaks)}`)

  const doubleCharged = await rows<{ run_id: string; n: string }>(sql`
    select run_id, count(*)::text as n from credit_logs
    where run_id is not null and (kind = 'settle' or (kind = 'charge' and idempotency_key like 'charge:%'))
    group by run_id having count(*) > 1`)
  if (doubleCharged.length > 0) throw new Error(`I4: runs charged twice: ${JSON.stringify(doubleCharged)}`)

  const counts = (
    await rows<{ users: string; holds: string; entries: string; active: string }>(sql`
      select (select count(*) from users)::text as users, (select count(*) from credit_holds)::text as holds,
        (select count(*) from credit_logs)::text as entries,
        (select count(*) from credit_holds where status = 'active')::text as active`)
  )[0]!
  return {
    users: Number(counts.users),
    holds: Number(counts.holds),
    entries: Number(counts.entries),
    activeHolds: Number(counts.active),
  }
}

/** Row counts of every table (a rejected request must change none). */
export async function rowCounts(db: Database): Promise<Record<string, number>> {
  const r = (
    await db.execute(sql`
      select (select count(*) from users)::int as users, (select count(*) from credit_logs)::int as logs,
        (select count(*) from credit_holds)::int as holds, (select count(*) from api_keys)::int as keys,
        (select coalesce(sum(credits), 0) from users)::text as credits`)
  ).rows[0] as Record<string, number | string>
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)]))
}

/** A parsed JSON body checked field by field. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
export type Json = Record<string, any>

import { mkdirSync } from 'node:fs'
import type { Logger } from '@10xstudent/logger'
import { PGlite } from '@electric-sql/pglite'
import type { ExtractTablesWithRelations } from 'drizzle-orm'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import pg from 'pg'
import { migrate } from './migrate'
import * as schema from './schema/index'
import { DatabaseUnavailableError, redactUrl } from './unavailable'

export type Schema = typeof schema

/**
 * Query-result kind shared by both drivers: node-postgres' `QueryResult` and PGlite's `Results` both carry
 * `rows`, so `db.execute()` is typed as `{ rows }` whichever driver runs underneath.
 */
export interface RowsQueryResultHKT extends PgQueryResultHKT {
  readonly type: RowsResult<
    this['row'] extends Record<string, unknown> ? this['row'] : Record<string, unknown>
  >
}

/** What `db.execute()` resolves to on either driver. */
export interface RowsResult<TRow> {
  rows: TRow[]
}

/** Which driver a {@link Database} runs on. */
export type DriverKind = 'pg' | 'pglite'

/**
 * The drizzle instance (relational schema included), the same type for PostgreSQL and PGlite.
 *
 * @example
 * ```ts
 * const db: Database = createDb({ pglite: 'memory' })
 * await migrate(db)
 * await db.close()
 * ```
 */
export type Database = PgDatabase<RowsQueryResultHKT, Schema> & {
  /** The underlying pool (pg) or PGlite instance. */
  readonly $client: pg.Pool | PGlite
  /** Which driver this instance uses. */
  readonly driver: DriverKind
  /** End the pool / close PGlite. Safe to call twice. */
  close(): Promise<void>
}

/**
 * A transaction handle, as passed to `db.transaction(async (tx) => ...)`.
 *
 * @example
 * ```ts
 * await db.transaction(async (tx: Transaction) => { await tx.insert(schema.users).values({ id: 'u1' }) })
 * ```
 */
export type Transaction = PgTransaction<RowsQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>

export type CreateDbOptions =
  | { url: string; poolSize?: number; logger?: Logger }
  | { pglite: string; logger?: Logger }

/**
 * A pg Pool whose connection failures name the server (URL without password), so "cannot connect" is
 * obvious in logs rather than a bare ECONNREFUSED. pg-pool's `query()` goes through `connect(cb)`, so both
 * the promise and the callback forms are wrapped.
 */
class ReportingPool extends pg.Pool {
  readonly #where: string
  constructor(config: pg.PoolConfig, where: string) {
    super(config)
    this.#where = where
  }
  #wrap(err: unknown): Error {
    const reason = err instanceof Error ? err.message || (err as { code?: string }).code : String(err)
    return new DatabaseUnavailableError(`Cannot connect to PostgreSQL at ${this.#where}: ${reason}`, {
      cause: err,
    })
  }
  // biome-ignore lint/suspicious/noExplicitAny: pg-pool's overloaded connect() signature
  override connect(cb?: any): any {
    if (typeof cb === 'function') {
      return super.connect(
        (err: Error | undefined, client?: pg.PoolClient, done?: (release?: unknown) => void) =>
          cb(err ? this.#wrap(err) : err, client, done),
      )
    }
    return super.connect().catch((err: unknown) => {
      throw this.#wrap(err)
    })
  }
}

/** drizzle's query logger, fed to pino at trace level (query text only: params may hold user data). */
function drizzleLogger(logger: Logger | undefined) {
  if (!logger?.isLevelEnabled?.('trace')) return undefined
  return { logQuery: (query: string) => logger.trace({ query }, 'sql') }
}

/**
 * Create a database handle: PostgreSQL through a `pg` Pool (`{ url, poolSize }`, default 10 connections) or
 * embedded PGlite (`{ pglite: dir }`, `'memory'` for an in-memory database). Migrations are not applied:
 * call {@link migrate}.
 *
 * @example
 * ```ts
 * const db = createDb({ url: 'postgres://postgres@127.0.0.1:5432/app', poolSize: 20, logger })
 * const embedded = createDb({ pglite: 'memory' })
 * ```
 */
export function createDb(options: CreateDbOptions): Database {
  if ('url' in options) {
    const where = redactUrl(options.url)
    const poolSize = options.poolSize ?? 10
    if (!Number.isSafeInteger(poolSize) || poolSize < 1)
      throw new TypeError('poolSize must be an integer >= 1')
    const pool = new ReportingPool({ connectionString: options.url, max: poolSize }, where)
    // An idle client losing its connection emits 'error' on the pool; unhandled, it would crash the process.
    pool.on('error', (err) => options.logger?.warn({ err, db: where }, 'idle PostgreSQL client error'))
    const db = drizzlePg({ client: pool, schema, logger: drizzleLogger(options.logger) })
    return withClose(db, 'pg', () => pool.end())
  }
  return createPgliteDb(options.pglite, options.logger)
}

/**
 * Open PGlite at `dir` (or in memory). With `autoMigrate`, the first query of the returned handle waits for
 * the migrations, which run on an ungated handle over the same PGlite instance.
 */
export function createPgliteDb(
  dir: string,
  logger?: Logger,
  options: { autoMigrate?: boolean } = {},
): Database {
  if (dir !== 'memory') mkdirSync(dir, { recursive: true })
  const raw = new PGlite(dir === 'memory' ? undefined : dir)
  const close = () => raw.close()
  if (!options.autoMigrate) {
    return withClose(drizzlePglite({ client: raw, schema, logger: drizzleLogger(logger) }), 'pglite', close)
  }
  const migrator = withClose(drizzlePglite({ client: raw, schema }), 'pglite', close)
  let ready: Promise<void> | undefined
  const gate = () => {
    ready ??= migrate(migrator)
    return ready
  }
  const client = gatedPglite(raw, gate)
  return withClose(drizzlePglite({ client, schema, logger: drizzleLogger(logger) }), 'pglite', close)
}

/**
 * A view of `raw` whose query entry points first await `gate()` (used by the default db to apply migrations
 * before the first query, since `db` itself must be usable synchronously).
 */
function gatedPglite(raw: PGlite, gate: () => Promise<unknown>): PGlite {
  const gated = new Set<PropertyKey>(['query', 'exec', 'transaction', 'sql'])
  return new Proxy(raw, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target)
      if (typeof value !== 'function') return value
      if (!gated.has(prop)) return value.bind(target)
      return async (...args: unknown[]) => {
        await gate()
        return value.apply(target, args)
      }
    },
  })
}

function withClose(db: object, driver: DriverKind, end: () => Promise<void>): Database {
  let closing: Promise<void> | undefined
  Object.defineProperty(db, 'driver', { value: driver, enumerable: false })
  Object.defineProperty(db, 'close', {
    value: () => {
      closing ??= end()
      return closing
    },
    enumerable: false,
  })
  return db as unknown as Database
}

import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { createDb, type Database } from '../client'
import { migrate } from '../migrate'

/**
 * Test helpers: `@10xstudent/database/testing`. Each test file gets its own PostgreSQL database so files can
 * run in parallel and leave nothing behind.
 */

export interface TestDatabase {
  /** Connection URL of the new database. */
  url: string
  /** A migrated handle on it (pool of 10). */
  db: Database
  /** Close `db`, terminate other connections and drop the database. */
  drop(): Promise<void>
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

async function admin<T>(baseUrl: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: baseUrl })
  await client.connect()
  try {
    return await run(client)
  } finally {
    await client.end()
  }
}

/**
 * Create a randomly named database on the server of `baseUrl`, migrate it and return a handle.
 *
 * @example
 * ```ts
 * const url = testDatabaseUrl(process.env)
 * const testDb = url ? await createTestDatabase({ baseUrl: url }) : undefined
 * afterAll(() => testDb?.drop())
 * ```
 */
export async function createTestDatabase(options: {
  baseUrl: string
  poolSize?: number
}): Promise<TestDatabase> {
  // Lowercase letters and digits only: the name is interpolated as an identifier (it cannot be a parameter).
  const name = `test_${Date.now().toString(36)}_${randomBytes(6).toString('hex')}`
  await admin(options.baseUrl, (c) => c.query(`create database "${name}"`))
  const url = withDatabase(options.baseUrl, name)
  const db = createDb({ url, poolSize: options.poolSize ?? 10 })
  let dropped = false
  const drop = async () => {
    if (dropped) return
    dropped = true
    await db.close()
    await admin(options.baseUrl, async (c) => {
      await c.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [name],
      )
      await c.query(`drop database if exists "${name}"`)
    })
  }
  try {
    await migrate(db)
  } catch (err) {
    await drop()
    throw err
  }
  return { url, db, drop }
}

/**
 * `TEST_DATABASE_URL` from `env`. When it is missing: `undefined` locally (skip the suite with a warning), but
 * a loud error under CI, where silently skipping the PostgreSQL suites would hide real failures.
 *
 * @example
 * ```ts
 * const url = testDatabaseUrl(process.env)
 * describe.skipIf(!url)('ledger on PostgreSQL', () => { ... })
 * ```
 */
export function testDatabaseUrl(env: Record<string, string | undefined>): string | undefined {
  const url = env.TEST_DATABASE_URL
  if (url) return url
  if (env.CI)
    throw new Error('TEST_DATABASE_URL must be set in CI: the PostgreSQL test suites cannot be skipped there')
  return undefined
}

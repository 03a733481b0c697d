import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator'
import type { PgliteDatabase } from 'drizzle-orm/pglite'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import type pg from 'pg'
import type { Database } from './client'

/**
 * Locate the committed `drizzle/` folder by walking up from this module: it sits next to `src/` in the repo
 * and next to `dist/` in the published package (`dist/index.js` and `dist/testing/index.js` are bundles at
 * different depths), so a fixed relative path would break one of them.
 */
export function migrationsFolder(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from))
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'drizzle')
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate
    const parent = dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  throw new Error(`@10xstudent/database: migrations folder not found above ${fileURLToPath(from)}`)
}

// Any constant works; it only has to be the same for every process migrating this database.
const MIGRATION_LOCK_SQL = "select pg_advisory_lock(hashtext('@10xstudent/database:migrate'))"
const MIGRATION_UNLOCK_SQL = "select pg_advisory_unlock(hashtext('@10xstudent/database:migrate'))"

/**
 * Apply the committed migrations (idempotent: applied ones are skipped). On PostgreSQL a session advisory
 * lock serialises processes that start at once; the lock and the migration share one dedicated connection,
 * so this also works with `poolSize: 1`.
 *
 * @example
 * ```ts
 * const db = createDb({ url: process.env.DATABASE_URL! })
 * await migrate(db)
 * ```
 */
export async function migrate(db: Database): Promise<void> {
  const folder = migrationsFolder()
  if (db.driver === 'pglite') {
    // PGlite is single-connection and single-process: no lock needed.
    await migratePglite(db as unknown as PgliteDatabase<Record<string, never>>, { migrationsFolder: folder })
    return
  }
  const client = await (db.$client as pg.Pool).connect()
  let broken = false
  try {
    await client.query(MIGRATION_LOCK_SQL)
    try {
      // Checked first because drizzle's migrator always runs `CREATE SCHEMA IF NOT EXISTS`, which PostgreSQL
      // refuses to a role without CREATE on the database even when the schema exists: an app running as the
      // least-privilege role of sql/roles.sql could not start otherwise.
      if (await isUpToDate(client, folder)) return
      await migratePg(drizzlePg(client), { migrationsFolder: folder })
    } finally {
      await client.query(MIGRATION_UNLOCK_SQL)
    }
  } catch (err) {
    broken = true
    throw err
  } finally {
    // A connection that failed mid-migration may still hold the lock: destroy it rather than reuse it.
    client.release(broken ? true : undefined)
  }
}

/**
 * True when the newest committed migration is already recorded (drizzle compares the same `created_at`).
 * Reads only `drizzle.__drizzle_migrations`, so it needs no DDL privilege.
 */
async function isUpToDate(client: pg.PoolClient, folder: string): Promise<boolean> {
  const latest = readMigrationFiles({ migrationsFolder: folder }).at(-1)?.folderMillis
  if (latest === undefined) return true
  const table = await client.query<{ present: boolean }>(
    "select to_regclass('drizzle.__drizzle_migrations') is not null as present",
  )
  if (!table.rows[0]?.present) return false
  const applied = await client.query<{ last: string | null }>(
    'select max(created_at)::text as last from drizzle.__drizzle_migrations',
  )
  const last = applied.rows[0]?.last
  return last !== null && last !== undefined && Number(last) >= latest
}

import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
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

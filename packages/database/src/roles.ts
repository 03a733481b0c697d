import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type pg from 'pg'
import type { Database } from './client'

/** The NOLOGIN group role created by `sql/roles.sql`; the API's login role is made a member of it. */
export const APP_ROLE = 'credits_app'

/** Find the shipped `sql/roles.sql` by walking up from this module (repo: next to `src/`; package: `dist/`). */
function rolesSqlPath(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from))
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'sql', 'roles.sql')
    if (existsSync(candidate)) return candidate
    const parent = dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  throw new Error(`@10xstudent/database: sql/roles.sql not found above ${fileURLToPath(from)}`)
}

/**
 * The text of `sql/roles.sql`: the least-privilege app role (`credits_app`) that can insert and read ledger
 * rows but never update, delete or truncate them. Run it as the schema owner after `migrate()`.
 *
 * @example
 * ```ts
 * writeFileSync('roles.sql', appRoleSql()) // then: psql "$OWNER_URL" -f roles.sql
 * ```
 */
export function appRoleSql(): string {
  return readFileSync(rolesSqlPath(), 'utf8')
}

/**
 * Apply `sql/roles.sql` to a migrated PostgreSQL database, connected as the schema owner. Idempotent.
 * Then create the API's login role with `CREATE ROLE api LOGIN PASSWORD '...' IN ROLE credits_app`.
 *
 * @example
 * ```ts
 * const owner = createDb({ url: process.env.OWNER_DATABASE_URL! })
 * await migrate(owner)
 * await applyAppRole(owner)
 * ```
 */
export async function applyAppRole(db: Database): Promise<void> {
  if (db.driver !== 'pg') throw new Error('applyAppRole needs PostgreSQL (PGlite has a single user)')
  // A simple-protocol multi-statement query: the file has no parameters.
  await (db.$client as pg.Pool).query(appRoleSql())
}

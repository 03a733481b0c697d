import { join } from 'node:path'
import { createDb, createPgliteDb, type Database } from './client'

let instance: Database | undefined

/**
 * The default instance behind `db`: PostgreSQL when `DATABASE_URL` is set, else PGlite in `./.data/pglite`
 * (relative to the working directory) with migrations applied before its first query. Created on first use,
 * so importing the package never opens a connection. This is the package's only read of `process.env`.
 */
function defaultDb(): Database {
  if (!instance) {
    const url = process.env.DATABASE_URL
    instance = url
      ? createDb({ url })
      : createPgliteDb(join(process.cwd(), '.data', 'pglite'), undefined, { autoMigrate: true })
  }
  return instance
}

/**
 * The lazily created default database (see DESIGN.md "Compatibility surface").
 *
 * @example
 * ```ts
 * import { db, schema, eq } from '@10xstudent/database'
 * const user = await db.query.users.findFirst({ where: eq(schema.users.id, userId) })
 * ```
 */
export const db: Database = new Proxy({} as Database, {
  get(_target, prop) {
    const real = defaultDb()
    const value = Reflect.get(real, prop, real)
    return typeof value === 'function' ? value.bind(real) : value
  },
  has(_target, prop) {
    return prop in defaultDb()
  },
})

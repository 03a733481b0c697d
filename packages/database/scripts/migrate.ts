// `pnpm db:migrate`: apply the committed migrations to DATABASE_URL (PostgreSQL), or to the embedded PGlite
// database in ./.data/pglite when DATABASE_URL is unset. Scripts are app-like, so they may read the env.
import { join } from 'node:path'
import { createDb, migrate, redactUrl } from '../src/index'

const url = process.env.DATABASE_URL
const db = url ? createDb({ url, poolSize: 1 }) : createDb({ pglite: join(process.cwd(), '.data', 'pglite') })
const target = url ? redactUrl(url) : join(process.cwd(), '.data', 'pglite')
try {
  await migrate(db)
  console.log(`migrated ${target}`)
} catch (err) {
  console.error(`migration of ${target} failed:`, err)
  process.exitCode = 1
} finally {
  await db.close()
}

/**
 * `@10xstudent/database`: drizzle schema, SQL migrations, pg/PGlite clients, the PostgreSQL credit ledger
 * and API keys.
 *
 * @example
 * ```ts
 * import { createDb, migrate, createLedger } from '@10xstudent/database'
 * const db = createDb({ pglite: 'memory' })
 * await migrate(db)
 * const ledger = createLedger(db)
 * await ledger.ensureUser({ userId: 'user_1', initialCredits: 50 })
 * await ledger.charge({ userId: 'user_1', amount: 1, operation: 'web_search', idempotencyKey: 'search:1' })
 * ```
 */
export {
  and,
  asc,
  desc,
  eq,
  gt,
  gte,
  inArray,
  isNotNull,
  isNull,
  lt,
  lte,
  ne,
  not,
  or,
  sql,
} from 'drizzle-orm'
export {
  API_KEY_PREFIX,
  type ApiKeyInfo,
  type ApiKeyStore,
  type CreatedApiKey,
  createApiKeys,
} from './api-keys'
export {
  type CreateDbOptions,
  createDb,
  type Database,
  type DriverKind,
  type RowsQueryResultHKT,
  type Schema,
  type Transaction,
} from './client'
export { db } from './default-db'
export {
  createLedger,
  type DailyUsage,
  type LedgerOptions,
  type PgCreditLedger,
} from './ledger/create-ledger'
export { migrate } from './migrate'
export { APP_ROLE, applyAppRole, appRoleSql } from './roles'
export * as schema from './schema/index'
export { DatabaseUnavailableError, isDatabaseUnavailableError, redactUrl } from './unavailable'

/**
 * The real ledger on both engines the project supports: embedded PGlite and PostgreSQL. Each test file
 * opens its own (a fresh in-memory PGlite, or a randomly named PostgreSQL database dropped afterwards).
 */
import { randomUUID } from 'node:crypto'
import { createDb, createLedger, migrate } from '@10xstudent/database'
import { createTestDatabase, testDatabaseUrl } from '@10xstudent/database/testing'
import type { CreditLedger } from '@10xstudent/domain'

export interface Backend {
  ledger: CreditLedger
  close(): Promise<void>
}

export interface BackendSpec {
  name: 'pglite' | 'postgres'
  /** False when PostgreSQL is not configured locally (never under CI: `testDatabaseUrl` throws there). */
  available: boolean
  open(): Promise<Backend>
}

const pgUrl = testDatabaseUrl(process.env)
if (!pgUrl) console.warn('TEST_DATABASE_URL is not set: skipping the PostgreSQL metering suites')

export const backends: BackendSpec[] = [
  {
    name: 'pglite',
    available: true,
    async open() {
      const db = createDb({ pglite: 'memory' })
      await migrate(db)
      return { ledger: createLedger(db), close: () => db.close() }
    },
  },
  {
    name: 'postgres',
    available: pgUrl !== undefined,
    async open() {
      const testDb = await createTestDatabase({ baseUrl: pgUrl as string, poolSize: 4 })
      return { ledger: createLedger(testDb.db), close: () => testDb.drop() }
    },
  },
]

/** A new user with `credits`, unique per call so tests never share balances. */
export async function newUser(ledger: CreditLedger, credits = 1_000): Promise<string> {
  const userId = `user_${randomUUID()}`
  await ledger.ensureUser({ userId, initialCredits: credits })
  return userId
}

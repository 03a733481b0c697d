import { createTestDatabase, type TestDatabase, testDatabaseUrl } from '@10xstudent/database/testing'
import pg from 'pg'

/** `TEST_DATABASE_URL`, or undefined locally (the suite is skipped with a warning); throws under CI. */
export const baseDatabaseUrl = testDatabaseUrl(process.env)

if (!baseDatabaseUrl) {
  console.warn('TEST_DATABASE_URL is not set: skipping the browser tests (they need PostgreSQL).')
}

/** One billed row of the ledger, as the tests compare it with the UI. */
export interface ChargeRow {
  kind: string
  operation: string
  cost: number
  runId: string | null
  finishReason: string | null
  estimated: boolean
  tokensUsed: number | null
}

/**
 * A fresh, migrated database for one test file plus a small read-only client to check the ledger against the UI.
 *
 * @example
 * ```ts
 * const db = await openTestDatabase(baseDatabaseUrl)
 * const rows = await db.charges(userId)
 * ```
 */
export async function openTestDatabase(baseUrl: string) {
  const testDb: TestDatabase = await createTestDatabase({ baseUrl, poolSize: 2 })
  const pool = new pg.Pool({ connectionString: testDb.url, max: 2 })
  return {
    url: testDb.url,
    /** Charges and settlements of a user, newest first. */
    async charges(userId: string): Promise<ChargeRow[]> {
      const { rows } = await pool.query(
        `select kind, operation, cost::int as cost, run_id as "runId", finish_reason as "finishReason",
                estimated, tokens_used::int as "tokensUsed"
           from credit_logs where user_id = $1 and kind in ('settle', 'charge')
          order by created_at desc, id desc`,
        [userId],
      )
      return rows as ChargeRow[]
    },
    async balance(userId: string): Promise<number> {
      const { rows } = await pool.query('select credits::int as credits from users where id = $1', [userId])
      return (rows[0] as { credits: number } | undefined)?.credits ?? Number.NaN
    },
    async close() {
      await pool.end()
      await testDb.drop()
    },
  }
}

export type OpenTestDatabase = Awaited<ReturnType<typeof openTestDatabase>>

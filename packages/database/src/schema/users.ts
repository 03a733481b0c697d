import { sql } from 'drizzle-orm'
import { check, pgTable, text } from 'drizzle-orm/pg-core'
import { credits, timestampNow } from './columns'

/**
 * One row per user. `id` is the auth provider's user id. `credits` is the AVAILABLE balance: credits in active
 * holds have already been moved out of it (see credit-holds.ts).
 *
 * Invariants: I1 `credits >= 0` (CHECK here, plus guarded UPDATEs in the ledger functions);
 * I2 `credits` = opening balance (0 for rows created by the ledger) + sum of the user's `credit_logs.delta`.
 */
export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    credits: credits('credits').notNull().default(0),
    createdAt: timestampNow('created_at'),
    updatedAt: timestampNow('updated_at'),
  },
  (t) => [
    check('users_credits_non_negative', sql`${t.credits} >= 0`),
    // Balances are read as JS numbers: keep them exact.
    check('users_credits_safe_integer', sql`${t.credits} <= 9007199254740991`),
  ],
)

export type User = typeof users.$inferSelect
export type NewUser = typeof users.$inferInsert

import { sql } from 'drizzle-orm'
import { check, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { credits, timestampNow } from './columns'
import { users } from './users'

/**
 * Reservations of credits for work in progress (a streaming chat run). A reserve moves `amount` out of
 * `users.credits` into an `active` hold; the hold then resolves exactly once (I3) to `settled`, `released`
 * or `expired` through status-guarded UPDATEs (`... WHERE status = 'active'`), so a late settle and the
 * sweeper can never both win. `expires_at` is set by the database clock (`now() + ttl`), never the app's.
 */
export const creditHolds = pgTable(
  'credit_holds',
  {
    // Time-ordered (UUIDv7, `ledger_uuidv7()` from the first, custom migration): inserts append to the primary
    // key's right edge.
    id: uuid('id').primaryKey().default(sql`ledger_uuidv7()`),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    amount: credits('amount').notNull(),
    status: text('status', { enum: ['active', 'settled', 'released', 'expired'] })
      .notNull()
      .default('active'),
    operation: text('operation').notNull(),
    runId: text('run_id'),
    idempotencyKey: text('idempotency_key').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** Free-text note on how the hold ended (release reason, `expired by sweeper`...). */
    resolution: text('resolution'),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
    metadata: jsonb('metadata').$type<Record<string, unknown>>(),
    createdAt: timestampNow('created_at'),
  },
  (t) => [
    // I4 needs no unique index here: every hold is written together with its 'hold' ledger entry, which has
    // the same (user_id, idempotency_key) and is unique in credit_logs (a second one would cost every
    // reserve an index insert and make every settle's UPDATE write one more index entry).
    // The sweeper scans only active holds by expiry; balance() sums a user's active holds.
    index('credit_holds_active_expiry_idx').on(t.expiresAt).where(sql`status = 'active'`),
    index('credit_holds_active_user_idx').on(t.userId).where(sql`status = 'active'`),
    check('credit_holds_amount_positive', sql`${t.amount} > 0`),
    check('credit_holds_status_valid', sql`${t.status} in ('active', 'settled', 'released', 'expired')`),
    check('credit_holds_resolved_consistent', sql`(${t.status} = 'active') = (${t.resolvedAt} is null)`),
  ],
)

export type CreditHold = typeof creditHolds.$inferSelect
export type NewCreditHold = typeof creditHolds.$inferInsert

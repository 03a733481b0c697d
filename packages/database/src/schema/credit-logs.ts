import { LEDGER_ENTRY_KINDS, type LedgerEntryKind } from '@10xstudent/domain'
import { sql } from 'drizzle-orm'
import { bigint, boolean, check, index, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { credits, timestampNow } from './columns'
import { users } from './users'

/**
 * Filled in by the `credit_logs_fill_defaults` BEFORE INSERT trigger (custom migration `ledger_functions`): the
 * documented snippet `insert(creditLogs).values({ userId, operation, cost, tokensUsed })` must be a valid debit,
 * so these columns are optional in drizzle's insert type but stay NOT NULL in the database. PostgreSQL checks
 * NOT NULL after BEFORE triggers ran, so a row can never be stored without them.
 */
const filledByTrigger = () => sql`null`

/**
 * The append-only ledger (I6: a trigger rejects UPDATE and DELETE; corrections are new `adjust` rows).
 * Every movement of `users.credits` writes exactly one row in the same transaction (I2):
 * `users.credits = opening + sum(delta)`.
 *
 * - `delta`: signed change of the AVAILABLE balance (a hold row has `delta = -amount`; a settle row has
 *   `delta = released - excessTaken`).
 * - `cost`: credits actually charged by this row (charge: the debit; settle: the run's charged cost; 0 for
 *   grant/hold/release/expire). `shortfall`: what the run cost beyond what hold and balance could pay.
 * - I7 audit facts: model, token pools, finish reason, price version, unrounded `cost_micros`, `estimated`.
 */
export const creditLogs = pgTable(
  'credit_logs',
  {
    // Time-ordered (UUIDv7, `ledger_uuidv7()` from the first, custom migration): inserts append to the primary
    // key's right edge.
    id: uuid('id').primaryKey().default(sql`ledger_uuidv7()`),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    kind: text('kind', { enum: LEDGER_ENTRY_KINDS })
      .$type<LedgerEntryKind>()
      .notNull()
      .$defaultFn(filledByTrigger),
    operation: text('operation').notNull(),
    delta: credits('delta').notNull().$defaultFn(filledByTrigger),
    cost: credits('cost').notNull(),
    balanceAfter: credits('balance_after').notNull().$defaultFn(filledByTrigger),
    shortfall: credits('shortfall').notNull().default(0),
    tokensUsed: bigint('tokens_used', { mode: 'number' }),
    model: text('model'),
    uncachedInputTokens: bigint('uncached_input_tokens', { mode: 'number' }),
    cachedInputTokens: bigint('cached_input_tokens', { mode: 'number' }),
    cacheWriteTokens: bigint('cache_write_tokens', { mode: 'number' }),
    outputTokens: bigint('output_tokens', { mode: 'number' }),
    reasoningTokens: bigint('reasoning_tokens', { mode: 'number' }),
    finishReason: text('finish_reason'),
    runId: text('run_id'),
    /**
     * The hold this entry moves (hold, settle, release, expire). No foreign key: only the ledger functions
     * write it, with the id of the hold row they just inserted or status-updated in the same statement, and
     * holds are never deleted; the check cost two lookups and row locks per reserve+settle pair.
     */
    holdId: uuid('hold_id'),
    idempotencyKey: text('idempotency_key'),
    priceVersion: text('price_version'),
    costMicros: bigint('cost_micros', { mode: 'number' }),
    estimated: boolean('estimated').notNull().default(false),
    metadata: jsonb('metadata').$type<Record<string, unknown>>(),
    createdAt: timestampNow('created_at'),
    /**
     * Insertion order. Tie-breaker of the history keyset: several entries can share a `created_at` (one
     * transaction, or PGlite's millisecond clock), and ids order them only by millisecond.
     * Last column because it was added last before the migrations were squashed: the table kept that layout.
     */
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity(),
  },
  (t) => [
    // I4: an idempotency key has at most one effect per user; NULL keys (the documented snippet) never clash.
    uniqueIndex('credit_logs_user_key_unique').on(t.userId, t.idempotencyKey),
    // history(): newest first with a keyset cursor on (created_at, seq).
    index('credit_logs_user_created_seq_idx').on(t.userId, t.createdAt.desc(), t.seq.desc()),
    // I3 in the database: a hold has at most one resolution entry (settle, release or expire).
    uniqueIndex('credit_logs_hold_resolution_unique')
      .on(t.holdId)
      .where(sql`kind in ('settle', 'release', 'expire')`),
    check(
      'credit_logs_kind_valid',
      sql`${t.kind} in ('grant', 'hold', 'settle', 'release', 'charge', 'expire', 'adjust')`,
    ),
    check('credit_logs_cost_non_negative', sql`${t.cost} >= 0`),
    check('credit_logs_shortfall_non_negative', sql`${t.shortfall} >= 0`),
    check('credit_logs_balance_after_non_negative', sql`${t.balanceAfter} >= 0`),
  ],
)

export type CreditLog = typeof creditLogs.$inferSelect
export type NewCreditLog = typeof creditLogs.$inferInsert

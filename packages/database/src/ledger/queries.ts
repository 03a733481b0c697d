import { type HistoryPage, type Hold, InvalidArgumentError } from '@10xstudent/domain'
import { and, asc, desc, eq, sql } from 'drizzle-orm'
import type { Database } from '../client'
import { creditHolds, creditLogs } from '../schema/index'
import { toHold, toLedgerEntry } from './rows'

/** One UTC day of usage (for charts). */
export interface DailyUsage {
  /** `YYYY-MM-DD`, UTC. */
  day: string
  /** Credits charged (charge and settle entries). */
  credits: number
  tokens: number
  /** Charge and settle entries. */
  requests: number
}

// Cursor = base64url(JSON [createdAt with microseconds, seq]). JS Dates hold milliseconds only, so the cursor
// carries PostgreSQL's own text form: a keyset on a truncated timestamp could skip or repeat rows. `seq`
// (insertion order) breaks ties between entries sharing a timestamp.
const CURSOR_TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/

function encodeCursor(createdAt: string, seq: number): string {
  return Buffer.from(JSON.stringify([createdAt, seq])).toString('base64url')
}

function decodeCursor(cursor: unknown): { createdAt: string; seq: number } {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 200)
    throw new InvalidArgumentError('cursor', 'must be a cursor returned by history()')
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'string' &&
      CURSOR_TS_RE.test(parsed[0]) &&
      Number.isSafeInteger(parsed[1]) &&
      parsed[1] > 0
    )
      return { createdAt: parsed[0], seq: parsed[1] }
  } catch {
    // fall through
  }
  throw new InvalidArgumentError('cursor', 'must be a cursor returned by history()')
}

/** A user's ledger entries, newest first, keyset-paginated on (created_at, seq). */
export async function history(
  db: Database,
  userId: string,
  limit: number,
  cursor: string | undefined,
): Promise<HistoryPage> {
  const after = cursor === undefined ? undefined : decodeCursor(cursor)
  const rows = await db
    .select({
      row: creditLogs,
      createdAtText: sql<string>`to_char(${creditLogs.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(creditLogs)
    .where(
      and(
        eq(creditLogs.userId, userId),
        after
          ? sql`(${creditLogs.createdAt}, ${creditLogs.seq}) < (${after.createdAt}::timestamptz, ${after.seq}::bigint)`
          : undefined,
      ),
    )
    .orderBy(desc(creditLogs.createdAt), desc(creditLogs.seq))
    .limit(limit + 1)
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return {
    items: page.map((r) => toLedgerEntry(r.row)),
    nextCursor: rows.length > limit && last ? encodeCursor(last.createdAtText, last.row.seq) : null,
  }
}

/** Per-UTC-day totals for the last `days` days including today, oldest first, zero-filled. */
export async function summary(db: Database, userId: string, days: number): Promise<DailyUsage[]> {
  const result = await db.execute<{ day: string; credits: string; tokens: string; requests: string }>(sql`
    with days as (
      select ((now() at time zone 'UTC')::date - g.i) as day from generate_series(0, ${days}::integer - 1) as g(i)
    )
    select to_char(days.day, 'YYYY-MM-DD') as day,
           coalesce(sum(l.cost), 0)::bigint as credits,
           coalesce(sum(l.tokens_used), 0)::bigint as tokens,
           count(l.id)::bigint as requests
    from days
    left join credit_logs l
      on l.user_id = ${userId}
     and l.kind in ('charge', 'settle')
     and l.created_at >= (days.day::timestamp at time zone 'UTC')
     and l.created_at < ((days.day + 1)::timestamp at time zone 'UTC')
    group by days.day
    order by days.day`)
  return result.rows.map((r) => ({
    day: String(r.day),
    credits: Number(r.credits),
    tokens: Number(r.tokens),
    requests: Number(r.requests),
  }))
}

/** The user's active holds, oldest first. */
export async function activeHolds(db: Database, userId: string): Promise<Hold[]> {
  const rows = await db
    .select()
    .from(creditHolds)
    .where(and(eq(creditHolds.userId, userId), eq(creditHolds.status, 'active')))
    .orderBy(asc(creditHolds.createdAt), asc(creditHolds.id))
  return rows.map((row) => toHold(row, false))
}

import { bigint, timestamp } from 'drizzle-orm/pg-core'

/**
 * Column helpers shared by the tables. Credits are whole numbers stored as `bigint` and read as JS numbers:
 * every amount is validated to be a safe integer before it reaches SQL (I5), so `mode: 'number'` is exact.
 */
export const credits = (name: string) => bigint(name, { mode: 'number' })

/** A timestamp with time zone read as a `Date`, defaulting to the database clock. */
export const timestampNow = (name: string) =>
  timestamp(name, { withTimezone: true, mode: 'date' }).notNull().defaultNow()

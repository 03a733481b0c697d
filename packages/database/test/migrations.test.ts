import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { createDb, type Database, migrate, schema, sql } from '../src/index'
import { migrationsFolder } from '../src/migrate'
import { createTestDatabase } from '../src/testing/index'
import { pgUrlOrWarn } from './helpers'

const TABLES: PgTable[] = [schema.users, schema.creditLogs, schema.creditHolds, schema.apiKeys]
const journal = JSON.parse(readFileSync(join(migrationsFolder(), 'meta', '_journal.json'), 'utf8')) as {
  entries: unknown[]
}

/** What the drizzle schema says each column is. */
function expectedColumns() {
  return TABLES.flatMap((table) => {
    const config = getTableConfig(table)
    return config.columns.map((c) => ({
      table: config.name,
      column: c.name,
      notNull: c.notNull,
      type: c.getSQLType().replace('timestamp with time zone', 'timestamptz'),
    }))
  }).sort((a, b) => `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`))
}

/** What the migrated database says. */
async function actualColumns(db: Database) {
  const { rows } = await db.execute<{ table: string; column: string; not_null: boolean; type: string }>(sql`
    select c.table_name as table, c.column_name as column, c.is_nullable = 'NO' as not_null,
           case c.data_type when 'timestamp with time zone' then 'timestamptz' else c.data_type end as type
    from information_schema.columns c
    where c.table_schema = 'public' and c.table_name in ('users', 'credit_logs', 'credit_holds', 'api_keys')`)
  return rows
    .map((r) => ({ table: r.table, column: r.column, notNull: r.not_null, type: r.type }))
    .sort((a, b) => `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`))
}

async function objects(db: Database) {
  const { rows } = await db.execute<{ name: string }>(sql`
    select indexname as name from pg_indexes where schemaname = 'public'
    union all select conname from pg_constraint where connamespace = 'public'::regnamespace
    union all select tgname from pg_trigger where not tgisinternal
    union all select proname from pg_proc where pronamespace = 'public'::regnamespace
    order by 1`)
  return rows.map((r) => r.name)
}

async function appliedMigrations(db: Database): Promise<number> {
  const { rows } = await db.execute<{ n: string | number }>(
    sql`select count(*) as n from drizzle.__drizzle_migrations`,
  )
  return Number(rows[0]!.n)
}

async function expectMatchesSchema(db: Database) {
  expect(await actualColumns(db)).toEqual(expectedColumns())
  const names = await objects(db)
  for (const table of TABLES) {
    const config = getTableConfig(table)
    for (const index of config.indexes) expect(names).toContain(index.config.name)
    for (const check of config.checks) expect(names).toContain(check.name)
  }
  for (const name of [
    'credit_logs_fill_defaults',
    'credit_logs_append_only',
    'ledger_charge',
    'ledger_reserve',
    'ledger_settle',
    'ledger_release',
    'ledger_sweep',
    'ledger_hold_miss',
  ])
    expect(names).toContain(name)
}

describe('migrations on PGlite', () => {
  let db: Database | undefined
  afterAll(() => db?.close())

  it('a fresh database migrated from zero equals the schema; migrating again is a no-op', async () => {
    db = createDb({ pglite: 'memory' })
    await migrate(db)
    await expectMatchesSchema(db)
    expect(await appliedMigrations(db)).toBe(journal.entries.length)
    const before = await objects(db)
    await migrate(db)
    expect(await appliedMigrations(db)).toBe(journal.entries.length)
    expect(await objects(db)).toEqual(before)
  })
})

const baseUrl = pgUrlOrWarn('migrations.pg')

describe.skipIf(!baseUrl)('migrations on PostgreSQL', () => {
  it('two processes migrating an empty database at once both succeed, once (advisory lock)', async () => {
    // An empty database (createTestDatabase's own migration is what we want to race, so start blank).
    const testDb = await createTestDatabase({ baseUrl: baseUrl! })
    const name = new URL(testDb.url).pathname.slice(1)
    const blankName = `${name}_blank`
    const adminClient = new pg.Client({ connectionString: baseUrl })
    await adminClient.connect()
    await adminClient.query(`create database "${blankName}"`)
    const blankUrl = new URL(baseUrl!)
    blankUrl.pathname = `/${blankName}`
    const a = createDb({ url: blankUrl.toString(), poolSize: 1 })
    const b = createDb({ url: blankUrl.toString(), poolSize: 2 })
    try {
      await Promise.all([migrate(a), migrate(b)])
      await expectMatchesSchema(a)
      expect(await appliedMigrations(a)).toBe(journal.entries.length)
      await migrate(b)
      expect(await appliedMigrations(b)).toBe(journal.entries.length)
      // The migrated test database looks the same as the one migrated concurrently.
      expect(await objects(testDb.db)).toEqual(await objects(a))
    } finally {
      await a.close()
      await b.close()
      await testDb.drop()
      await adminClient.query(`drop database if exists "${blankName}" with (force)`)
      await adminClient.end()
    }
  })
})

import { LedgerUnavailableError } from '@10xstudent/domain'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import {
  createDb,
  createLedger,
  DatabaseUnavailableError,
  isDatabaseUnavailableError,
  migrate,
} from '../src/index'
import { pgUrlOrWarn } from './helpers'

describe('database unavailable', () => {
  it('an unreachable server is a clear error naming the URL without its password', async () => {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    const db = createDb({ url: 'postgres://app:s3cret@127.0.0.1:1/ledger', poolSize: 1 })
    try {
      const err = await db.execute('select 1').catch((e: unknown) => e)
      expect(isDatabaseUnavailableError(err)).toBe(true)
      const text =
        String((err as Error).message) + String(((err as Error).cause as Error | undefined)?.message)
      expect(text).toContain('postgres://app@127.0.0.1:1/ledger')
      expect(text).not.toContain('s3cret')

      const ledgerErr = await createLedger(db)
        .charge({ userId: 'u', amount: 1, operation: 'o', idempotencyKey: 'k' })
        .catch((e: unknown) => e)
      expect(ledgerErr).toBeInstanceOf(LedgerUnavailableError)
      expect((ledgerErr as Error).cause).toBeInstanceOf(DatabaseUnavailableError)
    } finally {
      await db.close()
    }
  })

  it('a closed PGlite is LedgerUnavailableError', async () => {
    const db = createDb({ pglite: 'memory' })
    await migrate(db)
    const ledger = createLedger(db)
    await ledger.ensureUser({ userId: 'u', initialCredits: 1 })
    await db.close()
    await expect(ledger.balance('u')).rejects.toBeInstanceOf(LedgerUnavailableError)
  })

  const baseUrl = pgUrlOrWarn('unavailable.pg')
  it.skipIf(!baseUrl)('a backend terminated by the server (57P01) is recognised', async () => {
    const victim = new pg.Client({ connectionString: baseUrl })
    const errors: unknown[] = []
    victim.on('error', (e) => errors.push(e))
    await victim.connect()
    const {
      rows: [{ pid }],
    } = await victim.query('select pg_backend_pid() as pid')
    const killer = new pg.Client({ connectionString: baseUrl })
    await killer.connect()
    await killer.query('select pg_terminate_backend($1)', [pid])
    await killer.end()
    const err = await victim.query('select 1').catch((e: unknown) => e)
    errors.push(err)
    expect(errors.some((e) => isDatabaseUnavailableError(e))).toBe(true)
    await victim.end().catch(() => undefined)
  })
})

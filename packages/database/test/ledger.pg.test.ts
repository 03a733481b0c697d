import { describe } from 'vitest'
import { createTestDatabase } from '../src/testing/index'
import { pgUrlOrWarn } from './helpers'
import { ledgerSuite } from './ledger-suite'

const baseUrl = pgUrlOrWarn('ledger.pg')

describe.skipIf(!baseUrl)('ledger on PostgreSQL', () => {
  ledgerSuite(async () => {
    const testDb = await createTestDatabase({ baseUrl: baseUrl! })
    return { db: testDb.db, cleanup: testDb.drop }
  })
})

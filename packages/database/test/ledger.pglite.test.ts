import { describe } from 'vitest'
import { createDb, migrate } from '../src/index'
import { ledgerSuite } from './ledger-suite'

describe('ledger on embedded PGlite', () => {
  ledgerSuite(async () => {
    const db = createDb({ pglite: 'memory' })
    await migrate(db)
    return { db, cleanup: () => db.close() }
  })
})

import { afterAll, expect, it } from 'vitest'
import { createLedger, db, eq, migrate, schema, sql } from '../src/index'
import { uid } from './helpers'

// The default `db`: DATABASE_URL when set (then migrations are the app's job), else PGlite in ./.data/pglite,
// migrated before its first query. This runs the DESIGN.md compatibility snippet against it unchanged.
afterAll(() => db.close())

it('the documented snippet runs against the default db', async () => {
  if (process.env.DATABASE_URL) await migrate(db)
  const ledger = createLedger(db)
  const userId = uid('compat')
  await ledger.ensureUser({ userId, initialCredits: 10 })
  const cost = 2
  const totalTokens = 1500

  const user = await db.query.users.findFirst({ where: eq(schema.users.id, userId) })
  if (!user || user.credits < 1) throw new Error('expected a funded user')
  await db.transaction(async (tx) => {
    await tx
      .update(schema.users)
      .set({ credits: sql`credits - ${cost}` })
      .where(eq(schema.users.id, userId))
    await tx
      .insert(schema.creditLogs)
      .values({ userId, operation: 'typst_generation', cost, tokensUsed: totalTokens })
  })

  expect(await ledger.balance(userId)).toEqual({ credits: 8, held: 0 })
  const [entry] = (await ledger.history(userId, { limit: 1 })).items
  expect(entry).toMatchObject({
    kind: 'charge',
    operation: 'typst_generation',
    delta: -2,
    cost: 2,
    balanceAfter: 8,
  })
}, 60_000)

// A consumer outside the workspace, installed from the registry: compiled with tsc (NodeNext) and run.

import { createDb, createLedger, migrate } from '@10xstudent/database'
import { CREDIT_COSTS, type CreditOperation, PRICE_TABLE } from '@10xstudent/domain'
import { createLogger } from '@10xstudent/logger'
import { meterStream, reserveForChat } from '@10xstudent/metering'
import { demoTextAdapter } from '@10xstudent/metering/testing'
import { chat } from '@tanstack/ai'

const logger = createLogger({ name: 'consumer', level: 'warn' })
const db = createDb({ pglite: 'memory' })
await migrate(db)
const ledger = createLedger(db, { logger })

const userId = 'consumer-user'
await ledger.ensureUser({ userId })
await ledger.grant({ userId, amount: 100, idempotencyKey: 'grant-1' })

const operation: CreditOperation = 'TYPST_GENERATION'
const messages = [{ role: 'user' as const, content: 'Say hello in one short sentence.' }]
const runId = 'run-1'
const model = 'demo-model'
const { hold, maxOutputTokens } = await reserveForChat({
  ledger,
  userId,
  model,
  messages,
  runId,
  maxOutputTokens: 256,
})
const adapter = demoTextAdapter({ replies: ['Hello from the demo model.'], chunkDelayMs: 0 })
let settled: { charged: number; balance: number } | undefined
const stream = meterStream(chat({ adapter, messages, modelOptions: { maxOutputTokens } }), {
  ledger,
  hold,
  model,
  runId,
  logger,
  onSettled: (s) => {
    settled = s
  },
})
let text = ''
for await (const chunk of stream) {
  if (chunk.type === 'TEXT_MESSAGE_CONTENT') text += chunk.delta
}
if (!settled) throw new Error('the run was not settled')
const { credits, held } = await ledger.balance(userId)
const { items } = await ledger.history(userId)
console.table(
  items.map((e) => ({
    kind: e.kind,
    operation: e.operation,
    delta: e.delta,
    cost: e.cost,
    balanceAfter: e.balanceAfter,
  })),
)
console.log({
  text,
  charged: settled.charged,
  credits,
  held,
  priceVersion: PRICE_TABLE.version,
  typst: CREDIT_COSTS.TYPST_GENERATION(1500),
  operation,
})
if (held !== 0) throw new Error(`expected no held credits, got ${held}`)
if (settled.charged < 1) throw new Error('the chat must cost at least one credit')
if (credits !== 100 - settled.charged)
  throw new Error(`expected balance ${100 - settled.charged}, got ${credits}`)
await db.close()
console.log('consumer: OK')

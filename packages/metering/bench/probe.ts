import { DEMO_MODEL } from '@10xstudent/domain'
import { chat } from '@tanstack/ai'
import { meterStream, reserveForChat } from '../src/index'
import { createMemoryLedger, demoTextAdapter } from '../src/testing/index'

const silent = { info() {}, warn() {}, error() {}, debug() {} }
const ledger = createMemoryLedger()
await ledger.ensureUser({ userId: 'bench', initialCredits: 1e12 })
const messages = [{ role: 'user' as const, content: 'Tell me about credit metering.' }]
const reply = 'Credit metering counts every token a model produces and bills it exactly once. '.repeat(8)
const drain = async (it: AsyncIterable<unknown>) => {
  for await (const _ of it);
}
const cpu = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
let seq = 0
const mk = () =>
  chat({ adapter: demoTextAdapter({ replies: [reply] }), messages, modelOptions: { maxOutputTokens: 1_024 } })
const arms: Record<string, () => Promise<unknown>> = {
  plain: () => drain(mk()),
  reserveOnly: async () => {
    await reserveForChat({
      ledger,
      userId: 'bench',
      model: DEMO_MODEL,
      messages,
      runId: `r${seq++}`,
      maxOutputTokens: 1024,
      logger: silent,
    })
    await drain(mk())
  },
  meterNoHold: () =>
    drain(
      meterStream(mk(), { ledger, userId: 'bench', model: DEMO_MODEL, runId: `n${seq++}`, logger: silent }),
    ),
  meterNoHoldNoCredits: () =>
    drain(
      meterStream(mk(), {
        ledger,
        userId: 'bench',
        model: DEMO_MODEL,
        runId: `c${seq++}`,
        logger: silent,
        emitCreditsChunk: false,
      }),
    ),
  full: async () => {
    const runId = `f${seq++}`
    const { hold } = await reserveForChat({
      ledger,
      userId: 'bench',
      model: DEMO_MODEL,
      messages,
      runId,
      maxOutputTokens: 1024,
      logger: silent,
    })
    await drain(meterStream(mk(), { ledger, hold, model: DEMO_MODEL, runId, logger: silent }))
  },
}
const times: Record<string, number[]> = {}
const names = Object.keys(arms)
for (let r = 0; r < 300; r++) {
  const order = r % 2 ? [...names].reverse() : names
  for (const n of order) {
    const t = cpu()
    await arms[n]!()
    if (r > 30) (times[n] ??= []).push(cpu() - t)
  }
}
const med = (x: number[]) => {
  const s = [...x].sort((a, b) => a - b)
  return s[s.length >> 1]!
}
const base = med(times.plain!)
for (const n of names)
  console.log(n.padEnd(22), med(times[n]!).toFixed(3), 'ms', (base / med(times[n]!)).toFixed(3))

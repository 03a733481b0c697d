import { chat, toolDefinition } from '@tanstack/ai'
import { beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { meteredTool } from './metered-tool'
import { captureLogger, collect } from './test-support'
import { createMemoryLedger, demoTextAdapter, type MemoryLedger } from './testing'

const USER = 'user_t'
let ledger: MemoryLedger
let runs = 0
const search = toolDefinition({
  name: 'web_search',
  description: 'Search',
  inputSchema: z.object({ q: z.string() }),
}).server(async ({ q }) => {
  runs++
  if (q === 'explode') throw new Error('search backend down')
  return { results: [`about ${q}`] }
})

beforeEach(async () => {
  runs = 0
  ledger = createMemoryLedger()
  await ledger.ensureUser({ userId: USER, initialCredits: 1 })
})

const opts = () => ({
  ledger,
  userId: USER,
  runId: 'run_t',
  operation: 'WEB_SEARCH' as const,
  logger: captureLogger(),
})

describe('meteredTool', () => {
  it('charges CREDIT_COSTS[operation] per execution, idempotent per run and tool call id', async () => {
    const tool = meteredTool(search, opts())
    await tool.execute!({ q: 'a' }, { toolCallId: 'c1', emitCustomEvent: () => {} })
    await tool.execute!({ q: 'a' }, { toolCallId: 'c1', emitCustomEvent: () => {} })
    expect((await ledger.balance(USER)).credits).toBe(0)
    expect(ledger.entries.filter((e) => e.kind === 'charge')).toEqual([
      expect.objectContaining({ idempotencyKey: 'tool:run_t:c1', operation: 'web_search', cost: 1 }),
    ])
  })

  it('gives the model an error result instead of crashing the run when unaffordable', async () => {
    const tool = meteredTool(search, opts())
    const adapter = demoTextAdapter({
      replies: ['ok'],
      toolCalls: [
        { name: 'web_search', args: { q: 'a' } },
        { name: 'web_search', args: { q: 'b' } },
      ],
    })
    const out = await collect(
      chat({ adapter, messages: [{ role: 'user', content: 'search' }], tools: [tool] }),
    )
    const results = out.filter((c) => c.type === 'TOOL_CALL_RESULT') as Array<{ content: string }>
    expect(results).toHaveLength(2)
    expect(results[1]!.content).toContain('Insufficient credits to run web_search')
    expect(runs).toBe(1)
    expect(out.at(-1)?.type).toBe('RUN_FINISHED')
  })

  it('reverses the charge when the tool fails', async () => {
    const tool = meteredTool(search, opts())
    await expect(
      tool.execute!({ q: 'explode' }, { toolCallId: 'c9', emitCustomEvent: () => {} }),
    ).rejects.toThrow('down')
    expect((await ledger.balance(USER)).credits).toBe(1)
    expect(ledger.entries.map((e) => e.kind)).toEqual(['grant', 'charge', 'grant'])
  })

  it('uses costFn over cost, and charges nothing for a free operation', async () => {
    await ledger.grant({ userId: USER, amount: 10, idempotencyKey: 'g' })
    const priced = meteredTool(search, { ...opts(), costFn: (a) => a.q.length })
    await priced.execute!({ q: 'abc' }, { toolCallId: 'p', emitCustomEvent: () => {} })
    const free = meteredTool(search, { ...opts(), operation: 'RAG_QUERY' })
    await free.execute!({ q: 'x' }, { toolCallId: 'f', emitCustomEvent: () => {} })
    expect((await ledger.balance(USER)).credits).toBe(11 - 3)
  })

  it.each([
    ['a negative cost', { cost: -1 }],
    ['a fractional cost', { cost: 0.5 }],
    ['a NaN cost', { cost: Number.NaN }],
  ])('rejects %s', async (_n, patch) => {
    const tool = meteredTool(search, { ...opts(), ...patch })
    await expect(tool.execute!({ q: 'a' }, { toolCallId: 'z', emitCustomEvent: () => {} })).rejects.toThrow(
      RangeError,
    )
    expect(runs).toBe(0)
  })

  it('rejects a tool without execute()', () => {
    const def = toolDefinition({ name: 'client_only', description: 'x' })
    expect(() => meteredTool(def as never, opts())).toThrow(TypeError)
  })
})

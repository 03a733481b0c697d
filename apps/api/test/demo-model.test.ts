/**
 * The API's own demo model (no adapter override) through `app.request()` on real PostgreSQL: a plain question
 * gets a canned answer, a search request runs the charged `web_search` tool and the reply quotes its result.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoReply } from '../src/demo-model'
import { createHarness, creditsOf, type Harness, JSON_HEADERS, parseSse, pgUrl, textOf } from './helpers'

describe.skipIf(!pgUrl)('the demo model behind /api/chat', () => {
  let h: Harness

  beforeAll(async () => {
    h = await createHarness({ database: 'postgres', config: { rateLimitRpm: 10_000 } })
  })
  afterAll(async () => {
    await h?.close()
  })

  // Over SSE a TOOL_CALL_START names its tool in `toolCallName` (the AG-UI field).
  async function ask(headers: Record<string, string>, content: string) {
    const res = await h.app.request('/api/chat', {
      method: 'POST',
      headers: { ...headers, ...JSON_HEADERS },
      body: JSON.stringify({ messages: [{ role: 'user', content }] }),
    })
    expect(res.status).toBe(200)
    return parseSse(await res.text())
  }

  it('answers a plain question from its canned replies, without tools or tool charges', async () => {
    const u = await h.user(100)
    const chunks = await ask(u.headers, 'What is a hold?')
    expect(textOf(chunks)).toBe(demoReply([{ role: 'user', content: 'What is a hold?' }]))
    expect(chunks.some((c) => c.type === 'TOOL_CALL_START')).toBe(false)
    const entries = (await h.ledger.history(u.userId)).items
    expect(entries.filter((e) => e.operation === 'web_search')).toEqual([])
    expect(await h.ledger.balance(u.userId)).toEqual({ credits: 100 - creditsOf(chunks).charged, held: 0 })
  })

  it('"search for prompt caching" calls web_search, charges it once, and the reply quotes the result', async () => {
    const u = await h.user(100)
    const chunks = await ask(u.headers, 'search for prompt caching')
    const start = chunks.find((c) => c.type === 'TOOL_CALL_START') as { toolCallName?: string } | undefined
    expect(start?.toolCallName).toBe('web_search')
    const text = textOf(chunks)
    expect(text).toContain('I searched the web for **prompt caching** (web search, charged 1 credit)')
    expect(text).toContain('Prompt caching: reuse a long prompt prefix')

    const entries = (await h.ledger.history(u.userId)).items
    const search = entries.filter((e) => e.operation === 'web_search')
    expect(search).toHaveLength(1)
    expect(search[0]).toMatchObject({ kind: 'charge', cost: 1, delta: -1 })
    const settle = entries.find((e) => e.kind === 'settle')
    const { charged } = creditsOf(chunks)
    expect(settle?.cost).toBe(charged)
    expect(await h.ledger.balance(u.userId)).toEqual({ credits: 100 - charged - 1, held: 0 })
  })

  it('a docs question runs the free rag_query: no tool charge', async () => {
    const u = await h.user(100)
    const chunks = await ask(u.headers, 'search my docs for the thesis plan')
    const start = chunks.find((c) => c.type === 'TOOL_CALL_START') as { toolCallName?: string } | undefined
    expect(start?.toolCallName).toBe('rag_query')
    expect(textOf(chunks)).toContain('notes://thesis/plan')
    const entries = (await h.ledger.history(u.userId)).items
    expect(entries.filter((e) => e.kind === 'charge')).toEqual([])
  })
})

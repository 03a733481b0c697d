/**
 * A Gemini model through the real `@tanstack/ai-gemini` adapter, pointed at a local fake Gemini HTTP server
 * with GEMINI_BASE_URL. Proves the model choice, the output cap sent to the provider and the charge.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { priceUsage } from '@10xstudent/domain'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../src/app'
import { testConfig } from '../src/config'
import { createHarness, creditsOf, type Harness, JSON_HEADERS, parseSse, textOf } from './helpers'

interface Seen {
  path: string
  apiKey: string | undefined
  body: { generationConfig?: { maxOutputTokens?: number }; contents?: unknown[] }
}

let h: Harness
let app: App
let fake: Server
const seen: Seen[] = []

const frame = (value: unknown) => `data: ${JSON.stringify(value)}\r\n\r\n`

async function readBody(req: IncomingMessage): Promise<string> {
  let data = ''
  for await (const chunk of req) data += chunk
  return data
}

beforeAll(async () => {
  h = await createHarness({ database: 'pglite' })
  fake = createServer(async (req, res) => {
    seen.push({
      path: req.url ?? '',
      apiKey: req.headers['x-goog-api-key'] as string | undefined,
      body: JSON.parse(await readBody(req)),
    })
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(
      frame({ candidates: [{ content: { role: 'model', parts: [{ text: 'Bonjour ' }] }, index: 0 }] }),
    )
    res.write(
      frame({
        candidates: [
          { content: { role: 'model', parts: [{ text: 'le monde.' }] }, finishReason: 'STOP', index: 0 },
        ],
        usageMetadata: {
          promptTokenCount: 20,
          candidatesTokenCount: 10,
          thoughtsTokenCount: 5,
          totalTokenCount: 35,
        },
      }),
    )
    res.end()
  })
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve))
  const { port } = fake.address() as AddressInfo
  app = createApp({
    config: testConfig({ geminiApiKey: 'fake-gemini-key', geminiBaseUrl: `http://127.0.0.1:${port}` }),
    ledger: h.ledger,
    apiKeys: h.apiKeys,
    logger: h.logger,
    ping: async () => {},
  })
})
afterAll(async () => {
  await new Promise<void>((resolve) => fake?.close(() => resolve()))
  await h?.close()
})

describe('Gemini through the real adapter', () => {
  it('streams from the provider, caps the output and charges the Gemini price of the reported usage', async () => {
    const u = await h.user(100)
    const res = await app.app.request('/api/chat', {
      method: 'POST',
      headers: { ...u.headers, ...JSON_HEADERS },
      body: JSON.stringify({
        model: 'gemini-2.5-flash',
        maxTokens: 500,
        messages: [{ role: 'user', content: 'Say hi in French' }],
      }),
    })
    expect(res.status).toBe(200)
    const chunks = parseSse(await res.text())
    expect(textOf(chunks)).toBe('Bonjour le monde.')

    expect(seen).toHaveLength(1)
    expect(seen[0]?.path).toContain('/models/gemini-2.5-flash:streamGenerateContent')
    expect(seen[0]?.apiKey).toBe('fake-gemini-key')
    expect(seen[0]?.body.generationConfig?.maxOutputTokens).toBe(500)

    const settle = (await h.ledger.history(u.userId)).items.find((e) => e.kind === 'settle')!
    expect(settle.model).toBe('gemini-2.5-flash')
    // Gemini: prompt includes cached (none here); candidates exclude thoughts, which are billed as reasoning.
    expect(settle.pools).toEqual({
      uncachedInput: 20,
      cachedInput: 0,
      cacheWrite: 0,
      output: 10,
      reasoning: 5,
    })
    const expected = priceUsage({ model: 'gemini-2.5-flash', usage: settle.pools! })
    expect(settle.cost).toBe(expected.credits)
    expect(settle.costMicros).toBe(expected.costMicros)
    expect(creditsOf(chunks).charged).toBe(expected.credits)
  })

  it('the demo model stays the default even with a Gemini key', async () => {
    const models = (await (await app.app.request('/api/models')).json()) as { defaultModel: string }
    expect(models.defaultModel).toBe('demo-model')
  })
})

/**
 * The real `@tanstack/ai-gemini` adapter, pointed through its `baseURL` option at a local fake Gemini server
 * that streams `streamGenerateContent?alt=sse` with `usageMetadata` including cached and thinking tokens.
 * Gemini's promptTokenCount includes cached tokens and its thoughts are beside the candidates, so the pools
 * must come out as: uncached = prompt - cached, cached, output = candidates, reasoning = thoughts.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type CreditLedger, priceUsage } from '@10xstudent/domain'
import { chat, type StreamChunk } from '@tanstack/ai'
import { geminiText } from '@tanstack/ai-gemini'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { meterStream, type Settlement } from '../src/index'
import { captureLogger } from '../src/test-support'
import { type Backend, backends, newUser } from './support/backends'

const MODEL = 'gemini-2.5-flash'
const usageMetadata = {
  promptTokenCount: 120_000,
  cachedContentTokenCount: 40_000,
  candidatesTokenCount: 30_000,
  thoughtsTokenCount: 20_000,
  totalTokenCount: 170_000,
}

for (const backend of backends) {
  describe.skipIf(!backend.available)(
    `the real Gemini adapter against a fake server, ledger on ${backend.name}`,
    () => {
      let db: Backend
      let ledger: CreditLedger
      let server: Server
      const requests: string[] = []

      beforeAll(async () => {
        db = await backend.open()
        ledger = db.ledger
        server = createServer((req, res) => {
          requests.push(`${req.method} ${req.url}`)
          req.resume()
          res.writeHead(200, { 'content-type': 'text/event-stream' })
          const events = [
            { candidates: [{ content: { role: 'model', parts: [{ text: 'Hello ' }] }, index: 0 }] },
            {
              candidates: [{ content: { role: 'model', parts: [{ text: 'from fake Gemini.' }] }, index: 0 }],
            },
            {
              candidates: [
                { content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP', index: 0 },
              ],
              usageMetadata,
              modelVersion: MODEL,
            },
          ]
          for (const e of events) res.write(`data: ${JSON.stringify(e)}\r\n\r\n`)
          res.end()
        })
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
        // geminiText takes no apiKey option (it reads GOOGLE_API_KEY / GEMINI_API_KEY): give it a dummy one.
        vi.stubEnv('GOOGLE_API_KEY', 'test-key-not-used')
      })
      afterAll(async () => {
        vi.unstubAllEnvs()
        await new Promise((r) => server?.close(r))
        await db?.close()
      })

      it('bills the right pools (cached and thinking tokens) at the right price', async () => {
        const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
        const userId = await newUser(ledger, 10_000)
        const runId = randomUUID()
        const hold = await ledger.reserve({
          userId,
          amount: 1_000,
          idempotencyKey: `reserve:${runId}`,
          runId,
        })
        const settlements: Settlement[] = []
        const out: StreamChunk[] = []
        const stream = chat({
          adapter: geminiText(MODEL, { baseURL }),
          messages: [{ role: 'user', content: 'Hi' }],
        })
        for await (const c of meterStream(stream, {
          ledger,
          hold,
          model: MODEL,
          runId,
          logger: captureLogger(),
          onSettled: (s) => settlements.push(s),
        }))
          out.push(c)

        expect(requests.at(-1)).toContain(`/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`)
        const text = out
          .map((c) => (c.type === 'TEXT_MESSAGE_CONTENT' ? (c as { delta: string }).delta : ''))
          .join('')
        expect(text).toBe('Hello from fake Gemini.')
        const pools = {
          uncachedInput: 80_000,
          cachedInput: 40_000,
          cacheWrite: 0,
          output: 30_000,
          reasoning: 20_000,
        }
        const expected = priceUsage({ model: MODEL, usage: pools })
        // 80k x 1000 + 40k x 250 + 30k x 2500 + 20k x 2500 micro-credits
        expect(expected.costMicros).toBe(215_000_000)
        expect(settlements).toHaveLength(1)
        expect(settlements[0]).toMatchObject({
          pools,
          costMicros: 215_000_000,
          charged: 215,
          estimated: false,
          finishReason: 'stop',
          totalTokens: 170_000,
        })
        expect(await ledger.balance(userId)).toEqual({ credits: 10_000 - 215, held: 0 })
        const settle = (await ledger.history(userId)).items.find((e) => e.kind === 'settle')
        expect(settle).toMatchObject({ cost: 215, model: MODEL, pools, tokensUsed: 170_000 })
      })
    },
  )
}

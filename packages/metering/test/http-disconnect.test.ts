/**
 * Through a real HTTP server (node:http + toServerSentEventsResponse) and a real client (fetch): a client
 * that disconnects mid-stream is settled exactly once as aborted, estimated from what was streamed.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { CreditLedger } from '@10xstudent/domain'
import { DEMO_MODEL } from '@10xstudent/domain'
import { chat, toServerSentEventsResponse } from '@tanstack/ai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { creditMetering, meterStream, reserveForChat, type Settlement } from '../src/index'
import { captureLogger } from '../src/test-support'
import { demoTextAdapter } from '../src/testing/index'
import { type Backend, backends, newUser } from './support/backends'

const REPLY = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen'

for (const backend of backends) {
  describe.skipIf(!backend.available)(`HTTP disconnect with the real ledger on ${backend.name}`, () => {
    let db: Backend
    let ledger: CreditLedger
    let server: Server
    let baseUrl: string
    const runs = new Map<string, { settled: Promise<Settlement>; userId: string }>()

    beforeAll(async () => {
      db = await backend.open()
      ledger = db.ledger
      server = createServer(async (req, res) => {
        const url = new URL(req.url ?? '/', 'http://x')
        const runId = url.searchParams.get('run') ?? randomUUID()
        const viaMiddleware = url.searchParams.get('via') === 'middleware'
        const userId = await newUser(ledger)
        const messages = [{ role: 'user' as const, content: 'Count slowly' }]
        const { hold, maxOutputTokens } = await reserveForChat({
          ledger,
          userId,
          model: DEMO_MODEL,
          messages,
          runId,
          logger: captureLogger(),
        })
        let resolve!: (s: Settlement) => void
        runs.set(runId, { userId, settled: new Promise((r) => (resolve = r)) })
        const abortController = new AbortController()
        const meterOptions = {
          ledger,
          hold,
          model: DEMO_MODEL,
          runId,
          logger: captureLogger(),
          onSettled: resolve,
        }
        const stream = chat({
          adapter: demoTextAdapter({ replies: [REPLY], chunkDelayMs: 15 }),
          messages,
          modelOptions: { maxOutputTokens },
          abortController,
          ...(viaMiddleware ? { middleware: [creditMetering(meterOptions)] } : {}),
        })
        const body = viaMiddleware ? stream : meterStream(stream, meterOptions)
        const response = toServerSentEventsResponse(body, { abortController })
        res.writeHead(response.status, Object.fromEntries(response.headers))
        const reader = response.body!.getReader()
        // The client went away: cancel the body, which returns the metered iterator (and aborts chat()).
        res.on('close', () => {
          if (!res.writableFinished) void reader.cancel('client disconnected').catch(() => {})
        })
        try {
          for (;;) {
            const { done, value } = await reader.read()
            if (done) break
            res.write(value)
          }
          res.end()
        } catch {
          res.destroy()
        }
      })
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    })
    afterAll(async () => {
      await new Promise((r) => server?.close(r))
      await db?.close()
    })

    /** Read SSE events until `stopAfterTexts` text chunks arrived (then abort), or to the end. */
    async function client(runId: string, via: string, stopAfterTexts?: number) {
      const controller = new AbortController()
      const response = await fetch(`${baseUrl}/chat?run=${runId}&via=${via}`, { signal: controller.signal })
      const reader = response.body!.getReader()
      const decoder = new TextDecoder()
      const events: Array<{ type: string; name?: string; value?: Record<string, unknown>; delta?: string }> =
        []
      let buffer = ''
      try {
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          buffer += decoder.decode(value, { stream: true })
          let end = buffer.indexOf('\n\n')
          while (end >= 0) {
            const line = buffer
              .slice(0, end)
              .split('\n')
              .find((l) => l.startsWith('data: '))
            buffer = buffer.slice(end + 2)
            if (line) events.push(JSON.parse(line.slice(6)))
            end = buffer.indexOf('\n\n')
          }
          if (
            stopAfterTexts !== undefined &&
            events.filter((e) => e.type === 'TEXT_MESSAGE_CONTENT').length >= stopAfterTexts
          ) {
            controller.abort()
            break
          }
        }
      } catch (err) {
        if ((err as Error).name !== 'AbortError') throw err
      }
      return events
    }

    it.each(['meterStream', 'middleware'])(
      'a client disconnect mid-stream is settled once, as aborted and estimated (%s)',
      async (via) => {
        const runId = randomUUID()
        const events = await client(runId, via, 3)
        const run = runs.get(runId)!
        const settlement = await run.settled
        expect(events.filter((e) => e.type === 'TEXT_MESSAGE_CONTENT').length).toBeGreaterThanOrEqual(3)
        expect(events.some((e) => e.type === 'RUN_FINISHED')).toBe(false)
        expect(settlement).toMatchObject({
          finishReason: 'aborted',
          estimated: true,
          status: 'settled',
          modelCalls: 1,
        })
        expect(settlement.charged).toBeGreaterThan(0)
        expect(settlement.pools.output).toBeLessThan(15)
        const history = (await ledger.history(run.userId)).items
        expect(history.filter((e) => e.kind === 'settle')).toHaveLength(1)
        expect((await ledger.balance(run.userId)).held).toBe(0)
      },
    )

    it.each(['meterStream', 'middleware'])(
      'a client that reads to the end gets the credits event, over SSE (%s)',
      async (via) => {
        const runId = randomUUID()
        const events = await client(runId, via)
        const settlement = await runs.get(runId)!.settled
        const credits = events.filter((e) => e.type === 'CUSTOM' && e.name === 'credits')
        expect(credits).toEqual([
          expect.objectContaining({
            value: { charged: settlement.charged, balance: settlement.balance, held: 0, estimated: false },
          }),
        ])
        if (via === 'meterStream') expect(events.at(-1)).toBe(credits[0])
        expect(settlement.finishReason).toBe('stop')
      },
    )
  })
}

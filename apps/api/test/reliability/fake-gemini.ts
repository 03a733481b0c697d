/**
 * A scriptable fake Gemini HTTP server for the real `@tanstack/ai-gemini` adapter inside the API child
 * (GEMINI_BASE_URL). The scenario is picked per request by a marker in the prompt, `[[gemini:<name>]]`, so
 * one server serves every test of a file. Every request is counted, so tests can prove how many provider
 * calls were made.
 *
 * Scenarios: ok | no-usage | double-finish | error-in-200 | error-first | stall | gate | tool-loop
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export type GeminiScenario =
  | 'ok'
  | 'no-usage'
  | 'double-finish'
  | 'error-in-200'
  | 'error-first'
  | 'stall'
  | 'gate'
  | 'tool-loop'

export const marker = (scenario: GeminiScenario) => `[[gemini:${scenario}]]`

export interface FakeGemini {
  url: string
  /** Requests received, by scenario. */
  counts: Map<GeminiScenario, number>
  total(): number
  /** Prompts (the raw request bodies) received, for leak checks. */
  bodies: string[]
  /** Let every stream held by the `gate` scenario finish (and later ones pass straight through). */
  openGate(): void
  /** Hold `gate` streams again from now on. */
  closeGate(): void
  close(): Promise<void>
}

/** Usage reported by the scenarios that report it. */
export const FAKE_USAGE = { promptTokenCount: 20, candidatesTokenCount: 10, totalTokenCount: 30 }
export const TOOL_LOOP_USAGE = { promptTokenCount: 400, candidatesTokenCount: 30, totalTokenCount: 430 }

const frame = (value: unknown) => `data: ${JSON.stringify(value)}\r\n\r\n`
const text = (t: string, finishReason?: string) => ({
  candidates: [
    { content: { role: 'model', parts: [{ text: t }] }, index: 0, ...(finishReason ? { finishReason } : {}) },
  ],
})

async function readBody(req: IncomingMessage): Promise<string> {
  let data = ''
  for await (const chunk of req) data += chunk
  return data
}

export async function startFakeGemini(): Promise<FakeGemini> {
  const counts = new Map<GeminiScenario, number>()
  const bodies: string[] = []
  let gateOpen = false
  let gateWaiters: Array<() => void> = []
  const open = new Set<ServerResponse>()
  const waitGate = () => (gateOpen ? Promise.resolve() : new Promise<void>((r) => gateWaiters.push(r)))

  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req)
    bodies.push(body)
    const scenario = (/\[\[gemini:([a-z0-9-]+)\]\]/.exec(body)?.[1] ?? 'ok') as GeminiScenario
    counts.set(scenario, (counts.get(scenario) ?? 0) + 1)
    open.add(res)
    res.once('close', () => open.delete(res))
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))
    switch (scenario) {
      case 'ok':
        res.write(frame(text('Hello ')))
        res.end(frame({ ...text('world.', 'STOP'), usageMetadata: FAKE_USAGE }))
        return
      case 'no-usage':
        res.write(frame(text('A reply that never ')))
        res.end(frame(text('reports its usage.', 'STOP')))
        return
      case 'double-finish':
        res.write(frame(text('Counted once.')))
        res.write(frame({ ...text('', 'STOP'), usageMetadata: FAKE_USAGE }))
        res.end(frame({ ...text('', 'STOP'), usageMetadata: FAKE_USAGE }))
        return
      case 'error-in-200':
        res.write(frame(text('Partial answer before the provider ')))
        await pause(5)
        res.end(frame({ error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' } }))
        return
      case 'error-first':
        res.end(frame({ error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } }))
        return
      case 'stall':
        // One chunk, then silence: the socket stays open until the API gives up (PROVIDER_TIMEOUT_MS).
        res.write(frame(text('Thinking about it')))
        return
      case 'gate':
        res.write(frame(text('Waiting ')))
        await waitGate()
        if (!res.writableEnded && !res.destroyed)
          res.end(frame({ ...text('done.', 'STOP'), usageMetadata: FAKE_USAGE }))
        return
      case 'tool-loop':
        // Always asks for another search: without a budget stop the agent loop would go on.
        res.end(
          frame({
            candidates: [
              {
                content: {
                  role: 'model',
                  parts: [{ functionCall: { name: 'web_search', args: { query: 'credits metering' } } }],
                },
                finishReason: 'STOP',
                index: 0,
              },
            ],
            usageMetadata: TOOL_LOOP_USAGE,
          }),
        )
        return
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    bodies,
    openGate() {
      gateOpen = true
      const w = gateWaiters
      gateWaiters = []
      for (const f of w) f()
    },
    closeGate() {
      gateOpen = false
    },
    close: () =>
      new Promise<void>((r) => {
        for (const res of open) res.destroy()
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}

/**
 * The real API process (`startServer`, exactly as `src/server.ts` wires it) with the demo model switched to a
 * faulty variant chosen per request by a prompt marker `[[demo:<fault>]]`. The demo model's fault options
 * (`@10xstudent/metering/testing`) cannot be reached through environment variables, so this entry exists for
 * the provider-fault tests only. Faults: run-error | throw | no-usage | double-finish | tool-loop | slow.
 */
import { DEMO_MODEL } from '@10xstudent/domain'
import { DemoTextAdapter, type DemoTextAdapterOptions } from '@10xstudent/metering/testing'
import type { TextOptions } from '@tanstack/ai'
import { loadConfig } from '../../src/config'
import { startServer } from '../../src/runtime'

const config = loadConfig(process.env)
let calls = 0

function faultOptions(prompt: string): DemoTextAdapterOptions {
  const fault = /\[\[demo:([a-z-]+)\]\]/.exec(prompt)?.[1]
  const base = { chunkDelayMs: config.demoChunkDelayMs }
  switch (fault) {
    case 'run-error':
      return { ...base, failAfterChunks: 3, failWith: 'run-error' }
    case 'throw':
      return { ...base, failAfterChunks: 3, failWith: 'throw' }
    case 'no-usage':
      return { ...base, usage: 'none' }
    case 'double-finish':
      return { ...base, duplicateRunFinished: true }
    case 'tool-loop':
      // Far more searches than any hold pays for: metering must stop the loop.
      return {
        ...base,
        toolCalls: Array.from({ length: 50 }, () => ({ name: 'web_search', args: { query: 'q' } })),
      }
    case 'slow':
      // A provider that stalls between chunks: PROVIDER_TIMEOUT_MS must cut the run off and settle it.
      return { ...base, chunkDelayMs: 1500 }
    default:
      return base
  }
}

/** Picks the fault from the conversation on every model call (an agent loop calls several times). */
class FaultyDemoAdapter extends DemoTextAdapter {
  override chatStream(options: TextOptions<{ maxOutputTokens?: number }>) {
    const prompt = JSON.stringify(options.messages)
    calls++
    console.log(JSON.stringify({ msg: 'demo provider call', calls }))
    return new DemoTextAdapter(faultOptions(prompt)).chatStream(options)
  }
}

await startServer(config, {
  installSignalHandlers: true,
  createAdapter: (model) => {
    if (model !== DEMO_MODEL) throw new Error(`fault server serves only ${DEMO_MODEL}`)
    return new FaultyDemoAdapter({ model: DEMO_MODEL }) as never
  },
})

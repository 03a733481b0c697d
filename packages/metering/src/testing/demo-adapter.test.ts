import { chat, type StreamChunk, toolDefinition } from '@tanstack/ai'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { collect } from '../test-support'
import { countPromptTokens, countTokens } from '../tokens'
import { DEMO_REPLY, demoTextAdapter } from './demo-adapter'

const messages = [{ role: 'user' as const, content: 'Hello demo' }]
const finishes = (out: StreamChunk[]) =>
  out.filter((c) => c.type === 'RUN_FINISHED') as Array<
    StreamChunk & { usage?: { promptTokens: number; completionTokens: number } }
  >
const text = (out: StreamChunk[]) =>
  out.map((c) => (c.type === 'TEXT_MESSAGE_CONTENT' ? (c as { delta: string }).delta : '')).join('')

describe('demoTextAdapter with the real chat()', () => {
  it('streams the reply token by token and reports honest usage by the same tokenizer', async () => {
    const out = await collect(chat({ adapter: demoTextAdapter(), messages }))
    expect(text(out)).toBe(DEMO_REPLY)
    expect(out.filter((c) => c.type === 'TEXT_MESSAGE_CONTENT')).toHaveLength(countTokens(DEMO_REPLY))
    expect(finishes(out)[0]!.usage).toEqual({
      promptTokens: countPromptTokens({ messages }),
      completionTokens: countTokens(DEMO_REPLY),
      totalTokens: countPromptTokens({ messages }) + countTokens(DEMO_REPLY),
    })
  })

  it('cycles replies by user turn, or asks a function', async () => {
    const a = await collect(chat({ adapter: demoTextAdapter({ replies: ['one', 'two'] }), messages }))
    const f = await collect(
      chat({ adapter: demoTextAdapter({ replies: (m) => `seen ${m.length}` }), messages }),
    )
    expect(text(a)).toBe('one')
    expect(text(f)).toBe('seen 1')
  })

  it('cuts the reply at modelOptions.maxOutputTokens with finish reason length', async () => {
    const out = await collect(
      chat({ adapter: demoTextAdapter(), messages, modelOptions: { maxOutputTokens: 5 } }),
    )
    expect(out.filter((c) => c.type === 'TEXT_MESSAGE_CONTENT')).toHaveLength(5)
    const last = finishes(out)[0] as { metadata?: { tanstack?: { finishReason?: string } } }
    expect(last.metadata?.tanstack?.finishReason).toBe('length')
  })

  it('runs a multi-call tool loop: one tool call per model call, then the text reply', async () => {
    const calls: unknown[] = []
    const lookup = toolDefinition({
      name: 'lookup',
      description: 'Look up',
      inputSchema: z.object({ q: z.string() }),
    }).server(async (args) => {
      calls.push(args)
      return { found: true }
    })
    const adapter = demoTextAdapter({
      replies: ['final'],
      toolCalls: [
        { name: 'lookup', args: { q: 'a' } },
        { name: 'lookup', args: { q: 'b' } },
      ],
    })
    const out = await collect(chat({ adapter, messages, tools: [lookup] }))
    expect(calls).toEqual([{ q: 'a' }, { q: 'b' }])
    expect(finishes(out)).toHaveLength(3)
    expect(text(out)).toBe('final')
  })

  it('fails on cue with a RUN_ERROR chunk', async () => {
    const out = await collect(chat({ adapter: demoTextAdapter({ failAfterChunks: 3 }), messages }))
    expect(out.filter((c) => c.type === 'TEXT_MESSAGE_CONTENT')).toHaveLength(3)
    expect(out.at(-1)?.type).toBe('RUN_ERROR')
  })

  it('fails on cue by throwing', async () => {
    await expect(
      collect(chat({ adapter: demoTextAdapter({ failAfterChunks: 2, failWith: 'throw' }), messages })),
    ).rejects.toThrow('failed on cue')
  })

  it('can omit usage, or report a fixed one', async () => {
    const none = await collect(chat({ adapter: demoTextAdapter({ usage: 'none' }), messages }))
    const fixed = await collect(
      chat({
        adapter: demoTextAdapter({ usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 } }),
        messages,
      }),
    )
    expect(finishes(none)[0]!.usage).toBeUndefined()
    expect(finishes(fixed)[0]!.usage).toMatchObject({ promptTokens: 1, completionTokens: 2 })
  })

  it('paces chunks by chunkDelayMs', async () => {
    const started = Date.now()
    await collect(chat({ adapter: demoTextAdapter({ replies: ['a b c d'], chunkDelayMs: 10 }), messages }))
    expect(Date.now() - started).toBeGreaterThanOrEqual(40)
  })
})

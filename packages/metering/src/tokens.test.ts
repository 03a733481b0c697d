import { toolDefinition } from '@tanstack/ai'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  countPromptTokens,
  countTokens,
  TOKENS_PER_MEDIA_PART,
  TOKENS_PER_MESSAGE,
  TOKENS_PER_REPLY,
} from './tokens'

describe('countTokens', () => {
  it.each([
    ['', 0],
    ['hello world', 2],
    ['Grüße aus Köln', countTokens('Grüße aus Köln')],
  ])('counts %j with the o200k tokenizer', (text, expected) => {
    expect(countTokens(text)).toBe(expected)
  })

  it('is a real tokenizer, not length / 4', () => {
    const text = 'a'.repeat(400)
    expect(countTokens(text)).not.toBe(100)
    expect(countTokens('supercalifragilisticexpialidocious')).toBeGreaterThan(1)
  })

  it('counts text that looks like a special token as plain text instead of throwing', () => {
    expect(countTokens('say <|endoftext|> now')).toBeGreaterThan(3)
  })

  it.each([null, undefined, 42, {}])('returns 0 for a non-string (%j)', (value) => {
    expect(countTokens(value as unknown as string)).toBe(0)
  })
})

describe('countPromptTokens', () => {
  it('adds per-message framing and the reply priming', () => {
    const n = countPromptTokens({ messages: [{ role: 'user', content: 'Hello' }] })
    expect(n).toBe(TOKENS_PER_REPLY + TOKENS_PER_MESSAGE + countTokens('user') + countTokens('Hello'))
  })

  it('counts system prompts (strings and { content } objects)', () => {
    const base = countPromptTokens({ messages: [] })
    expect(countPromptTokens({ messages: [], systemPrompts: ['Be brief.', { content: 'Be kind.' }] })).toBe(
      base + 2 * TOKENS_PER_MESSAGE + countTokens('Be brief.') + countTokens('Be kind.'),
    )
  })

  it('counts UIMessage parts and ModelMessage content alike', () => {
    const model = countPromptTokens({ messages: [{ role: 'user', content: 'What is the weather?' }] })
    const ui = countPromptTokens({
      messages: [{ id: '1', role: 'user', parts: [{ type: 'text', content: 'What is the weather?' }] }],
    })
    expect(ui).toBe(model)
  })

  it('counts tool calls, tool results and media parts', () => {
    const messages = [
      {
        role: 'user',
        content: [
          { type: 'text', content: 'look' },
          { type: 'image', source: { type: 'url', value: 'x' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        toolCalls: [{ id: 'c', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }],
      },
      { role: 'tool', toolCallId: 'c', content: '{"answer":42}' },
    ]
    const n = countPromptTokens({ messages })
    expect(n).toBeGreaterThan(TOKENS_PER_MEDIA_PART + countTokens('{"answer":42}') + countTokens('{"q":"x"}'))
  })

  it('counts tool schemas (Zod or JSON Schema)', () => {
    const tool = toolDefinition({
      name: 'get_weather',
      description: 'Get the weather for a city',
      inputSchema: z.object({ city: z.string().describe('The city') }),
    })
    const without = countPromptTokens({ messages: [] })
    const withTool = countPromptTokens({ messages: [], tools: [tool] })
    expect(withTool - without).toBeGreaterThan(countTokens('get_weather Get the weather for a city city'))
  })

  it('ignores junk entries instead of throwing', () => {
    expect(countPromptTokens({ messages: [null, 3, 'x', { role: 5 }], tools: [null, 1] })).toBeGreaterThan(0)
  })
})

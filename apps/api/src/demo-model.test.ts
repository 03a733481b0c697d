import { countTokens } from '@10xstudent/metering'
import { chat, type ModelMessage, type StreamChunk } from '@tanstack/ai'
import { describe, expect, it } from 'vitest'
import {
  createDemoModel,
  DEMO_DEFAULT_REPLY,
  demoReply,
  messageText,
  planToolCalls,
  searchQuery,
  turnToolOutcomes,
} from './demo-model'
import { NOTES_CORPUS, searchCorpus, WEB_CORPUS } from './tools/corpus'
import { ragQueryDefinition, webSearchDefinition } from './tools/index'

const BOTH = ['web_search', 'rag_query']
const user = (content: string): ModelMessage => ({ role: 'user', content })

describe('searchQuery', () => {
  it.each([
    ['search for prompt caching', 'prompt caching'],
    ['Can you search for prompt caching?', 'prompt caching'],
    ['Please look up Typst', 'Typst'],
    ['search the web for postgres check constraints!', 'postgres check constraints'],
    ['search my docs for the thesis plan', 'the thesis plan'],
    ['look up photosynthesis in my notes please', 'photosynthesis'],
    ['what do the docs say about holds?', 'holds'],
    ['documentation', 'documentation'],
    ['   search   ', 'search'],
  ])('%j -> %j', (text, query) => {
    expect(searchQuery(text)).toBe(query)
  })

  it('never sends more than 200 characters (the tool accepts 500)', () => {
    expect(searchQuery(`search for ${'x'.repeat(1000)}`)).toHaveLength(200)
  })
})

describe('planToolCalls', () => {
  it.each<[string, ReadonlyArray<string>, string[]]>([
    ['search for prompt caching', BOTH, ['web_search']],
    ['Look up the French Revolution', BOTH, ['web_search']],
    ['what do my docs say about the thesis', BOTH, ['rag_query']],
    ['search my documentation for typst', BOTH, ['rag_query']],
    ['search the web and my notes for typst', BOTH, ['rag_query', 'web_search']],
    ['how does billing work', BOTH, []],
    // "research" is not a request to search
    ['my research is on typst', BOTH, []],
    // only offered tools are called
    ['search for prompt caching', ['rag_query'], []],
    ['search my docs for typst', [], []],
  ])('%j with %j -> %j', (text, offered, names) => {
    expect(planToolCalls(text, offered).map((c) => c.name)).toEqual(names)
  })

  it('passes the derived query as the tool input', () => {
    expect(planToolCalls('search for prompt caching', BOTH)).toEqual([
      { name: 'web_search', args: { query: 'prompt caching' } },
    ])
  })
})

describe('demoReply', () => {
  it.each([
    ['How does billing work?', 'Billing works in **three steps**'],
    ['What is a hold?', 'A hold is a **reservation**'],
    ['pricing', 'The demo model is priced'],
    ['What does one credit buy?', 'The demo model is priced'],
    ['What happens if I stop a reply?', 'Stopping a reply is billed'],
    ['Which tools can you use?', 'I can call two **tools**'],
    ['Hello there', 'This is the **demo model**'],
  ])('%j starts with %j', (text, start) => {
    expect(demoReply([user(text)]).startsWith(start)).toBe(true)
  })

  it.each(['How does billing work?', 'What is a hold?', 'pricing', 'stop', 'tools', 'hi'])(
    'the %j reply opens with plain words, so a half-streamed reply renders as its final prefix',
    (text) => {
      expect(demoReply([user(text)]).slice(0, 12)).toMatch(/^[A-Za-z ]+$/)
    },
  )

  it('answers from the last user message, not an earlier one', () => {
    const messages: ModelMessage[] = [
      user('What is a hold?'),
      { role: 'assistant', content: 'x' },
      user('hi'),
    ]
    expect(demoReply(messages)).toBe(DEMO_DEFAULT_REPLY)
  })

  it('reads multi-part user content', () => {
    const message: ModelMessage = {
      role: 'user',
      content: [
        { type: 'text', content: 'what is' },
        { type: 'image', source: { type: 'url', value: 'https://example.com/a.png' } },
        { type: 'text', content: 'a hold' },
      ],
    }
    expect(messageText(message)).toBe('what is\na hold')
    expect(demoReply([message]).startsWith('A hold is')).toBe(true)
    expect(demoReply([{ role: 'user', content: null }])).toBe(DEMO_DEFAULT_REPLY)
    expect(demoReply([])).toBe(DEMO_DEFAULT_REPLY)
  })

  it('quotes the prices from the price table and uses markdown lists, bold and code', () => {
    expect(demoReply([user('pricing')])).toContain(
      '**1 credit** buys about **1,000 input tokens** or **250 output tokens**',
    )
    expect(demoReply([user('pricing')])).toContain('a web search costs **1 credit** per call')
    expect(demoReply([user('how does billing work')])).toMatch(/```ts\n.*meterStream\(/)
  })

  it.each(['How does billing work?', 'What is a hold?', 'pricing', 'stop', 'tools', 'hi'])(
    'the %j reply stays between 60 and 200 tokens',
    (text) => {
      const n = countTokens(demoReply([user(text)]))
      expect(n).toBeGreaterThanOrEqual(60)
      expect(n).toBeLessThanOrEqual(200)
    },
  )

  const toolTurn = (name: string, query: string, result: string): ModelMessage[] => [
    user('earlier'),
    {
      role: 'assistant',
      content: null,
      toolCalls: [{ id: 'old', type: 'function', function: { name, arguments: '{}' } }],
    },
    { role: 'tool', toolCallId: 'old', content: '{"results":[]}' },
    user(`search for ${query}`),
    {
      role: 'assistant',
      content: null,
      toolCalls: [{ id: 'c1', type: 'function', function: { name, arguments: JSON.stringify({ query }) } }],
    },
    { role: 'tool', toolCallId: 'c1', content: result },
  ]

  it('summarises this turn’s search results with links, and says the web search was charged', () => {
    const hits = searchCorpus(WEB_CORPUS, 'typst', 3).map(({ title, url, snippet }) => ({
      title,
      url,
      snippet,
    }))
    const reply = demoReply(toolTurn('web_search', 'typst', JSON.stringify({ results: hits })))
    expect(turnToolOutcomes(toolTurn('web_search', 'typst', '{}'))).toHaveLength(1)
    expect(reply).toContain('I searched the web for **typst** (web search, charged 1 credit)')
    expect(reply).toContain('1. **[Typst: a markup-based typesetting system](https://typst.app/docs/)**')
  })

  it.each([
    ['no hits', '{"results":[]}', 'and found nothing'],
    ['a failed tool', 'Error: tool exploded', 'the tool failed'],
    ['an unexpected shape', '{"results":"nope"}', 'the tool failed'],
  ])('handles %s honestly', (_name, content, says) => {
    expect(demoReply(toolTurn('rag_query', 'zzz', content))).toContain(says)
  })
})

describe('createDemoModel through the real chat()', () => {
  // The real tool implementations over the bundled corpus (metering of web_search is covered in apps/api/test).
  const tools = [
    webSearchDefinition.server(async ({ query }) => ({
      results: searchCorpus(WEB_CORPUS, query, 3).map(({ title, url, snippet }) => ({ title, url, snippet })),
    })),
    ragQueryDefinition.server(async ({ query }) => ({
      results: searchCorpus(NOTES_CORPUS, query, 3).map(({ title, url, snippet }) => ({
        title,
        url,
        snippet,
      })),
    })),
  ]

  async function run(content: string, withTools = true) {
    const chunks: StreamChunk[] = []
    for await (const c of chat({
      adapter: createDemoModel(),
      messages: [{ role: 'user', content }],
      ...(withTools ? { tools } : {}),
    }) as AsyncIterable<StreamChunk>) {
      chunks.push(c)
    }
    const text = chunks
      .filter((c) => c.type === 'TEXT_MESSAGE_CONTENT')
      .map((c) => (c as { delta: string }).delta)
      .join('')
    const toolNames = chunks
      .filter((c) => c.type === 'TOOL_CALL_START')
      .map((c) => (c as { toolName: string }).toolName)
    const finished = chunks.filter((c) => c.type === 'RUN_FINISHED') as Array<{
      usage?: { completionTokens: number }
    }>
    return { text, toolNames, finished }
  }

  it('calls web_search first, then answers from its result, with honest usage on both model calls', async () => {
    const { text, toolNames, finished } = await run('search for prompt caching')
    expect(toolNames).toEqual(['web_search'])
    expect(text).toContain('I searched the web for **prompt caching**')
    expect(text).toContain('https://')
    expect(finished.length).toBeGreaterThanOrEqual(2)
    expect(finished.at(-1)?.usage?.completionTokens).toBe(countTokens(text))
  })

  it('calls rag_query for the docs and quotes the notes', async () => {
    const { text, toolNames } = await run('search my docs for the thesis plan')
    expect(toolNames).toEqual(['rag_query'])
    expect(text).toContain('I searched your notes for **the thesis plan**')
    expect(text).toContain('notes://thesis/plan')
  })

  it('answers without tools when none are offered, and plain questions never call tools', async () => {
    expect(await run('search for prompt caching', false)).toMatchObject({ toolNames: [] })
    const plain = await run('What is a hold?')
    expect(plain.toolNames).toEqual([])
    expect(plain.text).toBe(demoReply([user('What is a hold?')]))
  })
})

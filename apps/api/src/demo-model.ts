/**
 * The demo model as the API offers it: the `@10xstudent/metering/testing` demo adapter, configured per request so
 * the offline demo behaves like a small product instead of repeating one sentence. It answers a few questions
 * about credit metering with canned markdown, and when asked to search it first calls the offered `web_search`
 * (charged) or `rag_query` (free) tool, then answers from the tool's result.
 *
 * Invariants: everything is a pure function of the messages (deterministic for tests and screenshots), and token
 * counts stay honest because the wrapped adapter counts the text it actually streams with the metering tokenizer.
 */
import { CREDIT_COSTS, DEMO_MODEL, getModelPrice, MICROS_PER_CREDIT } from '@10xstudent/domain'
import { DemoTextAdapter, type DemoToolCall } from '@10xstudent/metering/testing'
import type { ModelMessage } from '@tanstack/ai'

/** The tools the demo model knows how to call (both are offered by `createChatTools`). */
export type DemoToolName = 'web_search' | 'rag_query'

/** The longest query the demo model sends (the tools accept up to 500 characters). */
const MAX_QUERY_CHARS = 200

/** Plain text of a message (string content, or the text parts of multi-part content). */
export function messageText(message: ModelMessage | undefined): string {
  const content = message?.content
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content
    .map((part) => (part.type === 'text' ? part.content : ''))
    .filter(Boolean)
    .join('\n')
}

/** Index of the last user message, or -1. */
function lastUserIndex(messages: ReadonlyArray<ModelMessage>): number {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.role === 'user') return i
  return -1
}

const SEARCH = /\b(?:search|look\s+up|google)\b/i
const DOCS = /\b(?:docs|documentation|notes)\b/i
const WEB = /\b(?:web|online|internet)\b/i

/**
 * The query to send to a search tool: what follows "search for" / "look up" (or "about"), without the polite
 * framing and the "in my docs" tail, so the tool card shows what a person would type into a search box.
 *
 * @example
 * ```ts
 * searchQuery('Can you search for prompt caching?') // 'prompt caching'
 * ```
 */
export function searchQuery(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  const after =
    flat.match(
      /\b(?:search|look\s+up|google)\b(?:\s+(?:the\s+web|online|the\s+internet|(?:in\s+|through\s+)?(?:my|the)\s+(?:docs|documentation|notes)))?(?:\s+(?:for|about|on))?\s+(.+)/i,
    )?.[1] ??
    flat.match(/\babout\s+(.+)/i)?.[1] ??
    flat
  const query = after
    .replace(/\s+(?:in|from|on)\s+(?:my|the)\s+(?:docs|documentation|notes|web|internet)\b.*$/i, '')
    .replace(/\s+(?:please|for me)\b.*$/i, '')
    .replace(/[\s?.!,;:]+$/, '')
    .trim()
  return (query || flat).slice(0, MAX_QUERY_CHARS)
}

/**
 * The tool calls the demo model makes for a user message, in order: `rag_query` when it mentions docs,
 * documentation or notes; `web_search` when it asks to search or look something up (and not only in the docs).
 * Only tools the request offers are called.
 *
 * @example
 * ```ts
 * planToolCalls('search for prompt caching', ['web_search', 'rag_query'])
 * // [{ name: 'web_search', args: { query: 'prompt caching' } }]
 * ```
 */
export function planToolCalls(text: string, offered: ReadonlyArray<string>): DemoToolCall[] {
  const docs = DOCS.test(text)
  const search = SEARCH.test(text)
  const query = searchQuery(text)
  const calls: DemoToolCall[] = []
  if (docs && offered.includes('rag_query')) calls.push({ name: 'rag_query', args: { query } })
  if (search && (!docs || WEB.test(text)) && offered.includes('web_search')) {
    calls.push({ name: 'web_search', args: { query } })
  }
  return calls
}

interface Hit {
  title: string
  url: string
  snippet: string
}

interface ToolOutcome {
  name: string
  query: string
  hits: Hit[] | undefined
}

/** The tool results of the current turn (after the last user message), paired with the calls that made them. */
export function turnToolOutcomes(messages: ReadonlyArray<ModelMessage>): ToolOutcome[] {
  const calls = new Map<string, { name: string; query: string }>()
  const outcomes: ToolOutcome[] = []
  for (const m of messages.slice(lastUserIndex(messages) + 1)) {
    if (m.role === 'assistant') {
      for (const call of m.toolCalls ?? []) {
        calls.set(call.id, { name: call.function.name, query: readQuery(call.function.arguments) })
      }
    } else if (m.role === 'tool' && m.toolCallId) {
      const call = calls.get(m.toolCallId)
      if (call) outcomes.push({ ...call, hits: readHits(messageText(m)) })
    }
  }
  return outcomes
}

function readQuery(args: string): string {
  try {
    const parsed = JSON.parse(args) as { query?: unknown }
    return typeof parsed.query === 'string' ? parsed.query : ''
  } catch {
    return ''
  }
}

/** The hits of a tool result, or `undefined` when the tool failed or answered something else. */
function readHits(content: string): Hit[] | undefined {
  try {
    const parsed = JSON.parse(content) as { results?: unknown }
    if (!Array.isArray(parsed.results)) return undefined
    return parsed.results.filter(
      (r): r is Hit =>
        typeof r === 'object' &&
        r !== null &&
        typeof (r as Hit).title === 'string' &&
        typeof (r as Hit).url === 'string' &&
        typeof (r as Hit).snippet === 'string',
    )
  } catch {
    return undefined
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

function toolAnswer(outcomes: ToolOutcome[]): string {
  const sections = outcomes.map(({ name, query, hits }) => {
    const where =
      name === 'web_search'
        ? `I searched the web for **${query}** (web search, charged ${plural(CREDIT_COSTS.WEB_SEARCH, 'credit')})`
        : `I searched your notes for **${query}** (document search is free)`
    if (!hits) return `${where}, but the tool failed, so I have nothing to quote.`
    if (hits.length === 0) {
      return `${where} and found nothing. The demo searches a small offline index: try *typst*, *photosynthesis* or *prompt caching*.`
    }
    const list = hits.slice(0, 3).map((h, i) => `${i + 1}. **[${h.title}](${h.url})**: ${h.snippet}`)
    return `${where}. Here is what I found:\n\n${list.join('\n')}`
  })
  return `${sections.join('\n\n')}\n\n_The demo model quotes the results as they came back; a real model would summarise them._`
}

function pricingAnswer(): string {
  const p = getModelPrice(DEMO_MODEL)
  const per = (creditsPerMillion: number) =>
    Math.floor(MICROS_PER_CREDIT / creditsPerMillion).toLocaleString('en-US')
  return [
    'The demo model is priced from the versioned **price table**:',
    '',
    `- **1 credit** buys about **${per(p.uncachedInput)} input tokens** or **${per(p.output)} output tokens**`,
    `- cached input is cheaper: ${per(p.cachedInput)} tokens per credit`,
    `- a web search costs **${plural(CREDIT_COSTS.WEB_SEARCH, 'credit')}** per call; document search is free`,
    '',
    'A reply is priced exactly in micro-credits and rounded up once, so a short answer usually costs 1 credit.',
  ].join('\n')
}

const BILLING = [
  'Billing works in **three steps**:',
  '',
  '1. **Reserve**: before the model runs, the worst case (prompt + maximum output) is held from your balance.',
  '2. **Stream**: tokens flow to you untouched while metering counts them.',
  '3. **Settle**: the actual cost is charged once and the rest of the hold is released.',
  '',
  'In code it is one wrapper around the stream:',
  '',
  '```ts',
  'const stream = meterStream(chat({ adapter, messages }), { userId, ledger, operation, logger })',
  'return toServerSentEventsResponse(stream)',
  '```',
].join('\n')

const HOLD = [
  'A hold is a **reservation** of credits made *before* the model is called.',
  '',
  "- It covers the worst case: your prompt plus the reply's maximum length.",
  '- It is taken with one guarded update, so two tabs cannot spend the same credits.',
  '- When the reply ends, the hold **settles**: the real cost is charged and the rest comes back.',
  '- If the server crashes, the hold **expires** and a sweeper releases it exactly once.',
  '',
  'That is why the badge shows an in-flight estimate while a reply streams.',
].join('\n')

const STOPPING = [
  'Stopping a reply is billed **honestly**:',
  '',
  '- the tokens that already streamed are charged, counted from the text you received;',
  '- the charge is marked **estimated** because the provider never reported final usage;',
  '- the unused part of the hold is released at once.',
  '',
  'Disconnects are handled the same way, so aborting is never a way to get free tokens.',
].join('\n')

const TOOLS = [
  'I can call two **tools** while answering:',
  '',
  `- \`web_search\`: looks things up, **charged ${plural(CREDIT_COSTS.WEB_SEARCH, 'credit')}** per call`,
  '- `rag_query`: searches your notes and docs, **free**',
  '',
  'Try *search for prompt caching* or *what do my docs say about the thesis*. The tool card under my reply shows what each call cost.',
].join('\n')

/** The answer when no topic matches: says plainly that this is the demo model, and what to try. */
export const DEMO_DEFAULT_REPLY = [
  'This is the **demo model**: it runs offline, answers from a few canned replies and reports honest token counts, so you can try credit metering without an API key.',
  '',
  'Things to try:',
  '',
  '- *How does billing work?*',
  '- *What is a hold?*',
  '- *Pricing*',
  '- *Search for prompt caching* (calls the paid `web_search` tool)',
  '- *Search my docs for the thesis plan* (free `rag_query`)',
].join('\n')

const TOPICS: ReadonlyArray<readonly [RegExp, () => string]> = [
  [/\bholds?\b|\breserv/i, () => HOLD],
  [/\bpric|\bcosts?\b|how much|\bbuys?\b|per token|\bcheap/i, pricingAnswer],
  [/\bbill|\bcharg|\bmeter|\bpay|\bsettle/i, () => BILLING],
  [/\bstop|\babort|\bcancel|disconnect/i, () => STOPPING],
  [/\btools?\b|web search|\brag\b/i, () => TOOLS],
]

/**
 * The demo model's reply to a conversation: a summary of this turn's tool results when tools ran, else the canned
 * answer whose topic matches the last user message, else {@link DEMO_DEFAULT_REPLY}. Every reply opens with a few
 * plain words before any markup, so the text streamed so far reads the same once the markdown completes (an
 * unclosed `**` shows literally mid-stream).
 *
 * @example
 * ```ts
 * demoReply([{ role: 'user', content: 'What is a hold?' }]).startsWith('A hold is') // true
 * ```
 */
export function demoReply(messages: ReadonlyArray<ModelMessage>): string {
  const outcomes = turnToolOutcomes(messages)
  if (outcomes.length > 0) return toolAnswer(outcomes)
  const text = messageText(messages[lastUserIndex(messages)])
  for (const [pattern, answer] of TOPICS) if (pattern.test(text)) return answer()
  return DEMO_DEFAULT_REPLY
}

type ChatStreamOptions = Parameters<DemoTextAdapter['chatStream']>[0]

/**
 * The demo adapter the API serves. `DemoTextAdapter` takes its tool calls once per adapter, so each model call
 * delegates to a fresh one configured from that call's messages and offered tools; the inner adapter then picks
 * the next pending call of the turn (one per model call) or, once all have run, streams {@link demoReply}.
 */
export class DemoModelAdapter extends DemoTextAdapter {
  private readonly chunkDelayMs: number

  constructor(options: { chunkDelayMs?: number } = {}) {
    super({ replies: demoReply, chunkDelayMs: options.chunkDelayMs ?? 0 })
    this.chunkDelayMs = options.chunkDelayMs ?? 0
  }

  override chatStream(options: ChatStreamOptions) {
    const text = messageText(options.messages[lastUserIndex(options.messages)])
    const offered = (options.tools ?? []).map((t) => t.name)
    const inner = new DemoTextAdapter({
      replies: demoReply,
      chunkDelayMs: this.chunkDelayMs,
      toolCalls: planToolCalls(text, offered),
    })
    return inner.chatStream(options)
  }
}

/**
 * Create the API's demo model.
 *
 * @example
 * ```ts
 * chat({ adapter: createDemoModel({ chunkDelayMs: 30 }), messages, tools: createChatTools(ctx) })
 * ```
 */
export function createDemoModel(options: { chunkDelayMs?: number } = {}): DemoModelAdapter {
  return new DemoModelAdapter(options)
}

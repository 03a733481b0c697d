/**
 * Token counting with a real BPE tokenizer (o200k_base via gpt-tokenizer), never `length / 4`.
 * Counts are estimates of what a provider will bill; reservations use them as the *prompt* part of the
 * worst case, and aborted runs are charged from them when the provider reported no usage.
 */
import { convertSchemaToJsonSchema } from '@tanstack/ai'
import { countTokens as countBpe } from 'gpt-tokenizer/encoding/o200k_base'

// User text may contain strings that look like special tokens (`<|endoftext|>`): count them as plain text
// instead of throwing, so a hostile prompt can never break metering.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() }

/** Tokens of framing per chat message (role header and separators, OpenAI's documented 3). */
export const TOKENS_PER_MESSAGE = 3
/** Tokens that prime the assistant's reply. */
export const TOKENS_PER_REPLY = 3
/** Framing tokens per tool declaration, on top of its JSON schema. */
export const TOKENS_PER_TOOL = 8
/**
 * Flat estimate for a non-text part (image, audio, video, document): what Gemini bills for one image tile.
 * Tokenizing base64 would overcount wildly; ignoring media would make it free.
 */
export const TOKENS_PER_MEDIA_PART = 258

/**
 * Count the tokens of a text with the o200k_base tokenizer.
 *
 * @example
 * ```ts
 * countTokens('hello world') // 2
 * ```
 */
export function countTokens(text: string): number {
  if (typeof text !== 'string' || text.length === 0) return 0
  return countBpe(text, PLAIN_TEXT)
}

/** What {@link countPromptTokens} accepts: `ModelMessage`s, `UIMessage`s or anything shaped like them. */
export interface PromptInput {
  messages: readonly unknown[]
  /** System prompts: strings or `{ content }` objects. */
  systemPrompts?: readonly unknown[] | undefined
  /** TanStack tools (`{ name, description, inputSchema }`); their schemas are sent to the model too. */
  tools?: readonly unknown[] | undefined
}

/**
 * Count the prompt of a chat call: every message's text, tool calls and tool results, per-message framing,
 * system prompts and tool schemas. Accepts `ModelMessage[]` and `UIMessage[]` (parts) alike.
 *
 * @example
 * ```ts
 * countPromptTokens({ messages: [{ role: 'user', content: 'Hi!' }], systemPrompts: ['Be brief.'] })
 * ```
 */
export function countPromptTokens(input: PromptInput): number {
  let total = TOKENS_PER_REPLY
  for (const prompt of input.systemPrompts ?? []) {
    total += TOKENS_PER_MESSAGE + countTokens(systemPromptText(prompt))
  }
  for (const message of input.messages ?? []) total += countMessageTokens(message)
  for (const tool of input.tools ?? []) total += countToolTokens(tool)
  return total
}

function systemPromptText(prompt: unknown): string {
  if (typeof prompt === 'string') return prompt
  if (isRecord(prompt) && typeof prompt.content === 'string') return prompt.content
  return ''
}

/** Tokens of one message (ModelMessage or UIMessage), including framing. */
export function countMessageTokens(message: unknown): number {
  if (!isRecord(message)) return 0
  let total = TOKENS_PER_MESSAGE
  if (typeof message.role === 'string') total += countTokens(message.role)
  if (typeof message.name === 'string') total += 1 + countTokens(message.name)
  total += countContentTokens(message.content)
  if (Array.isArray(message.toolCalls)) {
    for (const call of message.toolCalls) {
      if (!isRecord(call)) continue
      const fn = isRecord(call.function) ? call.function : call
      total += countTokens(String(fn.name ?? '')) + countTokens(String(fn.arguments ?? ''))
    }
  }
  if (Array.isArray(message.parts)) {
    for (const part of message.parts) total += countPartTokens(part)
  }
  return total
}

function countContentTokens(content: unknown): number {
  if (typeof content === 'string') return countTokens(content)
  if (Array.isArray(content)) {
    let total = 0
    for (const part of content) total += countPartTokens(part)
    return total
  }
  return 0
}

function countPartTokens(part: unknown): number {
  if (typeof part === 'string') return countTokens(part)
  if (!isRecord(part)) return 0
  switch (part.type) {
    case 'text':
    case 'thinking':
      return countTokens(typeof part.content === 'string' ? part.content : String(part.text ?? ''))
    case 'tool-call':
      return countTokens(String(part.name ?? '')) + countTokens(String(part.arguments ?? ''))
    case 'tool-result':
      return countContentTokens(part.content)
    case 'image':
    case 'audio':
    case 'video':
    case 'document':
      return TOKENS_PER_MEDIA_PART
    default:
      // Unknown part kinds (structured output, UI resources): count whatever text they carry.
      if (typeof part.content === 'string') return countTokens(part.content)
      if (typeof part.text === 'string') return countTokens(part.text)
      return 0
  }
}

/** Tokens of one tool declaration: its name, description and JSON schema. */
export function countToolTokens(tool: unknown): number {
  if (!isRecord(tool)) return 0
  let schema: unknown = tool.inputSchema ?? tool.parameters
  if (schema !== undefined) {
    try {
      schema = convertSchemaToJsonSchema(schema as never) ?? schema
    } catch {
      // A schema the converter does not know is still sent as-is; count its JSON.
    }
  }
  let json = ''
  try {
    json = JSON.stringify({ name: tool.name, description: tool.description, parameters: schema }) ?? ''
  } catch {
    json = `${String(tool.name ?? '')} ${String(tool.description ?? '')}`
  }
  return TOKENS_PER_TOOL + countTokens(json)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

/**
 * The demo model: a real TanStack AI text adapter that needs no API key. It streams a reply at a set pace,
 * reports honest token counts (the same tokenizer metering uses), can call tools over several model calls
 * (an agent loop) and can fail on cue. The api uses it when no Gemini key is configured; tests and
 * benchmarks use it to drive the real `chat()`.
 */
import { DEMO_MODEL } from '@10xstudent/domain'
import { EventType, type ModelMessage, type TextOptions, type TokenUsage } from '@tanstack/ai'
import {
  BaseTextAdapter,
  type StructuredOutputOptions,
  type StructuredOutputResult,
} from '@tanstack/ai/adapters'
import { decode, encode } from 'gpt-tokenizer/encoding/o200k_base'
import { countPromptTokens, countTokens } from '../tokens'

/** The default reply of the demo model. */
export const DEMO_REPLY =
  'This is the demo model: it streams a fixed reply at a steady pace and reports honest token counts, ' +
  'so you can try credit metering without an API key.'

export interface DemoToolCall {
  name: string
  args: unknown
}

export interface DemoTextAdapterOptions {
  /** Model id reported in chunks and priced by metering; default `demo-model`. */
  model?: string
  /** Replies by user turn (cycled), or a function of the messages. */
  replies?: string[] | ((messages: ReadonlyArray<ModelMessage>) => string)
  /** Delay before each chunk; 0 (default) streams as fast as the consumer reads. */
  chunkDelayMs?: number
  /** Tool calls emitted on successive model calls of a turn (one per call), then the text reply. */
  toolCalls?: DemoToolCall[]
  /** Fail after this many text chunks of a reply (`failWith` says how). */
  failAfterChunks?: number
  /** `run-error` (default) yields a `RUN_ERROR` chunk like a provider error; `throw` throws from the adapter. */
  failWith?: 'run-error' | 'throw'
  /** `honest` (default): counted with the tokenizer; `none`: no usage reported; or a fixed usage per call. */
  usage?: 'honest' | 'none' | TokenUsage
  /** Emit the final RUN_FINISHED of each call twice (to test that usage is counted once). */
  duplicateRunFinished?: boolean
  /** Tokens per text chunk; default 1 (one chunk per token, like real providers). */
  tokensPerChunk?: number
}

type DemoProviderOptions = { maxOutputTokens?: number; maxTokens?: number }

let idCounter = 0
const nextId = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${(idCounter++).toString(36)}`

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}

/** The demo model as a TanStack AI text adapter class (see {@link demoTextAdapter}). */
export class DemoTextAdapter extends BaseTextAdapter<
  string,
  DemoProviderOptions,
  readonly ['text'],
  // biome-ignore lint/suspicious/noExplicitAny: the default metadata map of TanStack adapters
  any
> {
  readonly name = 'demo'
  private readonly options: DemoTextAdapterOptions

  constructor(options: DemoTextAdapterOptions = {}) {
    super({}, options.model ?? DEMO_MODEL)
    this.options = options
  }

  async *chatStream(options: TextOptions<DemoProviderOptions>) {
    const { messages } = options
    const runId = options.runId ?? nextId('demo_run')
    const threadId = options.threadId ?? nextId('demo_thread')
    const model = this.model
    const signal = readSignal(options.request)
    const delay = this.options.chunkDelayMs ?? 0
    const pause = async () => {
      if (delay > 0) await sleep(delay, signal)
    }
    const promptTokens = countPromptTokens({
      messages,
      systemPrompts: options.systemPrompts,
      tools: options.tools,
    })
    const usageFor = (completionTokens: number): TokenUsage | undefined => {
      const mode = this.options.usage ?? 'honest'
      if (mode === 'none') return undefined
      if (mode !== 'honest') return mode
      return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens }
    }
    const finished = (finishReason: 'stop' | 'length' | 'tool_calls', completionTokens: number) => {
      const usage = usageFor(completionTokens)
      return {
        type: EventType.RUN_FINISHED,
        runId,
        threadId,
        model,
        timestamp: Date.now(),
        finishReason,
        ...(usage ? { usage } : {}),
      } as const
    }

    yield { type: EventType.RUN_STARTED, runId, threadId, model, timestamp: Date.now() } as const

    const toolCall = this.pendingToolCall(messages)
    if (toolCall) {
      await pause()
      const toolCallId = nextId('call')
      const args = JSON.stringify(toolCall.args ?? {})
      yield {
        type: EventType.TOOL_CALL_START,
        toolCallId,
        toolCallName: toolCall.name,
        toolName: toolCall.name,
        model,
        timestamp: Date.now(),
        index: 0,
      } as const
      await pause()
      yield { type: EventType.TOOL_CALL_ARGS, toolCallId, model, timestamp: Date.now(), delta: args } as const
      yield {
        type: EventType.TOOL_CALL_END,
        toolCallId,
        toolCallName: toolCall.name,
        toolName: toolCall.name,
        model,
        timestamp: Date.now(),
        input: toolCall.args ?? {},
      } as const
      const done = finished('tool_calls', countTokens(toolCall.name) + countTokens(args))
      yield done
      if (this.options.duplicateRunFinished) yield { ...done }
      return
    }

    let reply = this.replyFor(messages)
    let finishReason: 'stop' | 'length' = 'stop'
    const cap = options.modelOptions?.maxOutputTokens ?? options.modelOptions?.maxTokens
    const tokens = encode(reply, { disallowedSpecial: new Set() })
    if (typeof cap === 'number' && cap >= 0 && tokens.length > cap) {
      reply = decode(tokens.slice(0, cap))
      finishReason = 'length'
    }
    const per = Math.max(1, Math.floor(this.options.tokensPerChunk ?? 1))
    const parts: string[] = []
    const shown = finishReason === 'length' ? tokens.slice(0, cap as number) : tokens
    for (let i = 0; i < shown.length; i += per) parts.push(decode(shown.slice(i, i + per)))

    const messageId = nextId('demo_msg')
    await pause()
    yield {
      type: EventType.TEXT_MESSAGE_START,
      messageId,
      model,
      role: 'assistant',
      timestamp: Date.now(),
    } as const
    let sent = 0
    for (const delta of parts) {
      if (signal?.aborted) return
      if (this.options.failAfterChunks !== undefined && sent >= this.options.failAfterChunks) {
        const message = `Demo model failed on cue after ${sent} chunks`
        if (this.options.failWith === 'throw') throw new Error(message)
        yield {
          type: EventType.RUN_ERROR,
          runId,
          model,
          timestamp: Date.now(),
          message,
          code: 'demo_failure',
          error: { message, code: 'demo_failure' },
        } as const
        return
      }
      await pause()
      yield { type: EventType.TEXT_MESSAGE_CONTENT, messageId, model, timestamp: Date.now(), delta } as const
      sent++
    }
    yield { type: EventType.TEXT_MESSAGE_END, messageId, model, timestamp: Date.now() } as const
    const done = finished(finishReason, countTokens(reply))
    yield done
    if (this.options.duplicateRunFinished) yield { ...done }
  }

  async structuredOutput(
    options: StructuredOutputOptions<DemoProviderOptions>,
  ): Promise<StructuredOutputResult<unknown>> {
    const rawText = this.replyFor(options.chatOptions.messages)
    let data: unknown = rawText
    try {
      data = JSON.parse(rawText)
    } catch {
      // A plain-text reply is returned as a string.
    }
    return { data, rawText }
  }

  /** The tool call for this model call: one per call since the turn's last user message, in order. */
  private pendingToolCall(messages: ReadonlyArray<ModelMessage>): DemoToolCall | undefined {
    const calls = this.options.toolCalls
    if (!calls || calls.length === 0) return undefined
    let made = 0
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i]
      if (!m || m.role === 'user') break
      if (m.role === 'assistant' && m.toolCalls && m.toolCalls.length > 0) made++
    }
    return calls[made]
  }

  private replyFor(messages: ReadonlyArray<ModelMessage>): string {
    const replies = this.options.replies
    if (typeof replies === 'function') return replies(messages)
    if (!replies || replies.length === 0) return DEMO_REPLY
    const turns = messages.filter((m) => m.role === 'user').length
    return replies[(Math.max(turns, 1) - 1) % replies.length] ?? DEMO_REPLY
  }
}

function readSignal(request: TextOptions['request']): AbortSignal | undefined {
  const signal = (request as { signal?: AbortSignal | null } | undefined)?.signal
  return signal ?? undefined
}

/**
 * Create the demo model adapter, usable as `chat({ adapter: demoTextAdapter() })`.
 *
 * @example
 * ```ts
 * const adapter = demoTextAdapter({ replies: ['Hello there!'], chunkDelayMs: 20 })
 * for await (const chunk of chat({ adapter, messages: [{ role: 'user', content: 'Hi' }] })) console.log(chunk.type)
 * ```
 */
export function demoTextAdapter(options: DemoTextAdapterOptions = {}): DemoTextAdapter {
  return new DemoTextAdapter(options)
}

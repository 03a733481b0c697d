/**
 * Event builders for tests: AG-UI chunks shaped as `@tanstack/ai` emits them in process (usage as
 * `TokenUsage`, finish reason in `metadata.tanstack.finishReason` like `chat()`'s normalised output).
 */
import { EventType, type StreamChunk, type TokenUsage } from '@tanstack/ai'

type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | null

const RUN = 'run_test'
const THREAD = 'thread_test'
const MSG = 'msg_test'

function usageOf(prompt: number, completion: number, extra: Partial<TokenUsage> = {}): TokenUsage {
  return { promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion, ...extra }
}

/**
 * Chunk builders.
 *
 * @example
 * ```ts
 * const stream = chunks.stream([...chunks.reply('Hello', { usage: chunks.usage(10, 1) })])
 * ```
 */
export const chunks = {
  usage: usageOf,
  runStarted: (runId = RUN): StreamChunk => ({
    type: EventType.RUN_STARTED,
    runId,
    threadId: THREAD,
    timestamp: Date.now(),
  }),
  textStart: (messageId = MSG): StreamChunk => ({
    type: EventType.TEXT_MESSAGE_START,
    messageId,
    role: 'assistant',
    timestamp: Date.now(),
  }),
  text: (delta: string, messageId = MSG): StreamChunk => ({
    type: EventType.TEXT_MESSAGE_CONTENT,
    messageId,
    delta,
    timestamp: Date.now(),
  }),
  textEnd: (messageId = MSG): StreamChunk => ({
    type: EventType.TEXT_MESSAGE_END,
    messageId,
    timestamp: Date.now(),
  }),
  toolCallStart: (toolCallId: string, toolCallName: string): StreamChunk => ({
    type: EventType.TOOL_CALL_START,
    toolCallId,
    toolCallName,
    toolName: toolCallName,
    timestamp: Date.now(),
  }),
  toolCallArgs: (toolCallId: string, delta: string): StreamChunk => ({
    type: EventType.TOOL_CALL_ARGS,
    toolCallId,
    delta,
    timestamp: Date.now(),
  }),
  toolCallEnd: (toolCallId: string): StreamChunk => ({
    type: EventType.TOOL_CALL_END,
    toolCallId,
    timestamp: Date.now(),
  }),
  toolResult: (toolCallId: string, content: string, messageId = MSG): StreamChunk => ({
    type: EventType.TOOL_CALL_RESULT,
    toolCallId,
    content,
    messageId,
    role: 'tool',
    timestamp: Date.now(),
  }),
  /** In-process RUN_FINISHED: finish reason in `metadata.tanstack` (set `topLevel` for the client shape). */
  runFinished: (
    options: {
      usage?: TokenUsage | Array<Record<string, unknown>>
      finishReason?: FinishReason
      topLevel?: boolean
      outcome?: unknown
      runId?: string
    } = {},
  ): StreamChunk => {
    const finishReason = options.finishReason === undefined ? 'stop' : options.finishReason
    return {
      type: EventType.RUN_FINISHED,
      runId: options.runId ?? RUN,
      threadId: THREAD,
      timestamp: Date.now(),
      ...(options.usage ? { usage: options.usage } : {}),
      ...(options.outcome ? { outcome: options.outcome } : {}),
      ...(options.topLevel ? { finishReason } : { metadata: { tanstack: { finishReason } } }),
    } as StreamChunk
  },
  runError: (message = 'provider failed', code = 'provider_error'): StreamChunk => ({
    type: EventType.RUN_ERROR,
    message,
    code,
    timestamp: Date.now(),
  }),
  custom: (name: string, value: unknown): StreamChunk => ({
    type: 'CUSTOM',
    name,
    value,
    timestamp: Date.now(),
  }),
  /** A whole text reply: start, one chunk per part, end, RUN_FINISHED. */
  reply: (
    parts: string | string[],
    options: { usage?: TokenUsage; finishReason?: FinishReason; messageId?: string } = {},
  ): StreamChunk[] => {
    const list = typeof parts === 'string' ? [parts] : parts
    return [
      chunks.textStart(options.messageId),
      ...list.map((p) => chunks.text(p, options.messageId)),
      chunks.textEnd(options.messageId),
      chunks.runFinished({
        ...(options.usage ? { usage: options.usage } : {}),
        finishReason: options.finishReason ?? 'stop',
      }),
    ]
  },
  /** An async iterable over chunks, optionally with a delay before each. */
  stream: <T>(
    items: Iterable<T>,
    options: { delayMs?: number; failAt?: number; error?: Error } = {},
  ): AsyncIterable<T> => ({
    async *[Symbol.asyncIterator]() {
      let i = 0
      for (const item of items) {
        if (options.failAt === i) throw options.error ?? new Error('source failed on cue')
        if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs))
        yield item
        i++
      }
      if (options.failAt === i) throw options.error ?? new Error('source failed on cue')
    },
  }),
}

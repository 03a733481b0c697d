import { describe, expect, it } from 'vitest'
import { createReplyMeter, parseCreditsChunk, rawFinishReasonOf, usageOf } from './stream-meta'

describe('parseCreditsChunk', () => {
  const ok = { type: 'CUSTOM', name: 'credits', value: { charged: 3, balance: 97, held: 2, estimated: true } }
  it.each([
    ['the credits chunk', ok, { charged: 3, balance: 97, held: 2, estimated: true }],
    [
      'a missing held and estimated',
      { type: 'CUSTOM', name: 'credits', value: { charged: 0, balance: 5 } },
      { charged: 0, balance: 5, held: 0, estimated: false },
    ],
    ['another custom event', { ...ok, name: 'memory:state' }, null],
    ['a non-custom chunk', { ...ok, type: 'RUN_FINISHED' }, null],
    ['a float charge', { ...ok, value: { ...ok.value, charged: 1.5 } }, null],
    ['a string balance', { ...ok, value: { ...ok.value, balance: '97' } }, null],
    ['a negative charge', { ...ok, value: { ...ok.value, charged: -1 } }, null],
    ['NaN', { ...ok, value: { ...ok.value, balance: Number.NaN } }, null],
    ['no value', { type: 'CUSTOM', name: 'credits' }, null],
    ['null', null, null],
    ['an array', [ok], null],
  ])('%s', (_name, chunk, expected) => {
    expect(parseCreditsChunk(chunk)).toEqual(expected)
  })
})

describe('usageOf', () => {
  it.each([
    [
      'the AG-UI wire array',
      { usage: [{ inputTokens: 10, outputTokens: 5, totalTokens: 15 }] },
      { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
    ],
    [
      'TanStack TokenUsage',
      { usage: { promptTokens: 7, completionTokens: 3, totalTokens: 10 } },
      { inputTokens: 7, outputTokens: 3, totalTokens: 10 },
    ],
    [
      'a total derived when missing',
      { usage: { inputTokens: 7, outputTokens: 3 } },
      { inputTokens: 7, outputTokens: 3, totalTokens: 10 },
    ],
    [
      'several array entries summed',
      {
        usage: [
          { inputTokens: 1, outputTokens: 2 },
          { inputTokens: 3, outputTokens: 4, totalTokens: 7 },
        ],
      },
      { inputTokens: 4, outputTokens: 6, totalTokens: 10 },
    ],
    ['no usage', { type: 'RUN_FINISHED' }, null],
    ['garbage usage', { usage: [{ inputTokens: 'x' }, 5] }, null],
  ])('%s', (_name, chunk, expected) => {
    expect(usageOf(chunk)).toEqual(expected)
  })
})

describe('rawFinishReasonOf', () => {
  it.each([
    [{ finishReason: 'length' }, 'length'],
    [{ metadata: { tanstack: { finishReason: 'content_filter' } } }, 'content_filter'],
    [{ finishReason: 'stop', metadata: { tanstack: { finishReason: 'length' } } }, 'stop'],
    [{ finishReason: null }, null],
    [{}, null],
  ])('%j -> %s', (chunk, expected) => {
    expect(rawFinishReasonOf(chunk)).toBe(expected)
  })
})

describe('createReplyMeter', () => {
  it('sums usage over every model call of an agent loop and records tools and the settlement', () => {
    const meter = createReplyMeter()
    meter.observe({ type: 'RUN_STARTED' })
    meter.observe({ type: 'TOOL_CALL_START', toolCallId: 't1', toolCallName: 'web_search' })
    meter.observe({ type: 'TOOL_CALL_START', toolCallId: 't1', toolCallName: 'web_search' })
    meter.observe({
      type: 'RUN_FINISHED',
      finishReason: 'tool_calls',
      usage: [{ inputTokens: 100, outputTokens: 20 }],
    })
    meter.observe({ type: 'TOOL_CALL_START', toolCallId: 't2', toolName: 'rag_query' })
    meter.observe({
      type: 'RUN_FINISHED',
      finishReason: 'stop',
      usage: { promptTokens: 150, completionTokens: 50 },
    })
    const credits = meter.observe({
      type: 'CUSTOM',
      name: 'credits',
      value: { charged: 2, balance: 98, held: 0, estimated: false },
    })
    expect(credits).toEqual({ charged: 2, balance: 98, held: 0, estimated: false })
    expect(meter.snapshot()).toEqual({
      inputTokens: 250,
      outputTokens: 70,
      totalTokens: 320,
      modelCalls: 2,
      finishReason: 'stop',
      credits: { charged: 2, balance: 98, held: 0, estimated: false },
      toolCalls: [
        { id: 't1', name: 'web_search' },
        { id: 't2', name: 'rag_query' },
      ],
      error: null,
    })
  })

  it.each([
    ['length', 'length'],
    ['content_filter', 'content-filter'],
    [null, 'stop'],
  ])('normalises finish reason %s to %s', (raw, expected) => {
    const meter = createReplyMeter()
    meter.observe({ type: 'RUN_FINISHED', finishReason: raw })
    expect(meter.snapshot().finishReason).toBe(expected)
  })

  it('lets an error win over a later finish reason', () => {
    const meter = createReplyMeter()
    meter.observe({ type: 'RUN_ERROR', message: 'provider down' })
    meter.observe({ type: 'RUN_FINISHED', finishReason: 'stop' })
    expect(meter.snapshot()).toMatchObject({ finishReason: 'error', error: 'provider down' })
  })

  it('marks a stopped reply aborted until a settlement arrives, and ignores junk chunks', () => {
    const meter = createReplyMeter()
    expect(meter.observe(null)).toBeNull()
    expect(meter.observe('RUN_FINISHED')).toBeNull()
    meter.abort()
    expect(meter.snapshot().finishReason).toBe('aborted')
    expect(meter.snapshot().credits).toBeNull()
  })

  it('returns copies so the UI cannot mutate the meter', () => {
    const meter = createReplyMeter()
    meter.observe({ type: 'TOOL_CALL_START', toolCallId: 'a', toolCallName: 'web_search' })
    meter.snapshot().toolCalls.pop()
    expect(meter.snapshot().toolCalls).toHaveLength(1)
  })
})

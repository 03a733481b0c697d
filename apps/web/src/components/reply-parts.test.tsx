import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { createReplyMeter } from '../lib/stream-meta'
import type { TurnState } from '../lib/turns'
import { ReplyNotices } from './reply-notices'
import { ToolCallCard } from './tool-call-card'
import { UsageChip } from './usage-chip'

function turn(over: Partial<TurnState> & { finishReason?: TurnState['meta']['finishReason'] }): TurnState {
  const meta = { ...createReplyMeter().snapshot(), inputTokens: 200, outputTokens: 40, totalTokens: 240 }
  return {
    status: 'settled',
    meta: { ...meta, finishReason: over.finishReason ?? 'stop' },
    charge: { charged: 2, tokens: 240, estimated: false, balance: 98 },
    startedAt: 0,
    ...over,
  }
}

/** Visible text of server-rendered markup. */
const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()

describe('ToolCallCard', () => {
  it.each([
    ['web_search', 'charged 1 credit'],
    ['rag_query', 'free'],
  ])('%s says what it cost', (name, cost) => {
    const html = renderToStaticMarkup(
      <ToolCallCard
        call={{
          id: 't1',
          name,
          arguments: '{"query":"tanstack ai"}',
          state: 'input-complete',
          output: { results: [{}, {}] },
        }}
      />,
    )
    expect(text(html)).toContain(cost)
    expect(text(html)).toContain('“tanstack ai”')
    expect(text(html)).toContain('2 results')
  })

  it('shows a running call with unparseable arguments without crashing', () => {
    const html = renderToStaticMarkup(
      <ToolCallCard call={{ id: 't2', name: 'other_tool', arguments: '{"que', state: 'input-streaming' }} />,
    )
    expect(text(html)).toContain('other_tool')
    expect(text(html)).toContain('running…')
    expect(text(html)).toContain('free')
  })
})

describe('UsageChip', () => {
  it('shows tokens, credits and the finish reason of a settled reply', () => {
    const html = renderToStaticMarkup(<UsageChip turn={turn({})} />)
    expect(text(html)).toBe('240 tokens 2 credits completed · balance 98 credits')
    expect(html).toContain('data-charged="2"')
    expect(html).toContain('data-estimated="false"')
  })

  it('marks a stopped reply as estimated', () => {
    const html = renderToStaticMarkup(
      <UsageChip
        turn={turn({
          status: 'stopped',
          finishReason: 'aborted',
          charge: { charged: 1, tokens: 68, estimated: true, balance: 97 },
        })}
      />,
    )
    expect(text(html)).toBe('68 tokens 1 credit stopped estimated · balance 97 credits')
  })

  it('says so while a stopped reply is settling, and renders nothing while streaming', () => {
    expect(text(renderToStaticMarkup(<UsageChip turn={turn({ status: 'settling' })} />))).toContain(
      'Settling',
    )
    expect(renderToStaticMarkup(<UsageChip turn={turn({ status: 'streaming' })} />)).toBe('')
  })
})

describe('ReplyNotices', () => {
  it.each([
    ['length', 'notice-length', 'Truncated.'],
    ['content-filter', 'notice-content-filter', 'Stopped by the content filter.'],
    ['error', 'notice-error', 'The reply failed.'],
    ['aborted', 'notice-stopped', 'You stopped this reply.'],
  ] as const)('%s -> %s', (finishReason, testId, heading) => {
    const html = renderToStaticMarkup(<ReplyNotices turn={turn({ finishReason })} />)
    expect(html).toContain(`data-testid="${testId}"`)
    expect(text(html)).toContain(heading)
  })

  it('shows the error message of a failed request', () => {
    const html = renderToStaticMarkup(
      <ReplyNotices turn={turn({ status: 'failed', error: 'Too many requests' })} />,
    )
    expect(html).toContain('role="alert"')
    expect(text(html)).toContain('Too many requests')
  })

  it('shows nothing for a reply that completed normally', () => {
    expect(renderToStaticMarkup(<ReplyNotices turn={turn({ finishReason: 'stop' })} />)).toBe('')
    expect(renderToStaticMarkup(<ReplyNotices turn={turn({ finishReason: 'tool-calls' })} />)).toBe('')
  })
})

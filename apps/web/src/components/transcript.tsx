import type { UIMessage } from '@tanstack/ai-react'
import { Fragment, useEffect, useRef } from 'react'
import type { TurnState } from '../lib/turns'
import { Markdown } from './markdown'
import { ReplyNotices } from './reply-notices'
import { ToolCallCard, type ToolCallView } from './tool-call-card'
import { UsageChip } from './usage-chip'

interface Group {
  user: UIMessage
  replies: UIMessage[]
}

/**
 * Split the transcript into turns: a user message and the assistant messages that answer it. Turn `i` pairs
 * with `turns[i]` (its usage chip and notices). Assistant messages before any user message are ignored.
 *
 * @example
 * ```ts
 * groupTurns(messages).length // number of user messages
 * ```
 */
export function groupTurns(messages: readonly UIMessage[]): Group[] {
  const groups: Group[] = []
  for (const m of messages) {
    if (m.role === 'user') groups.push({ user: m, replies: [] })
    else if (m.role === 'assistant') groups.at(-1)?.replies.push(m)
  }
  return groups
}

/**
 * The conversation, one turn after another, scrolled to the newest content while the reader is at the bottom.
 *
 * @example
 * ```tsx
 * <Transcript messages={messages} turns={turns} streaming={isLoading} />
 * ```
 */
export function Transcript(props: { messages: UIMessage[]; turns: TurnState[]; streaming: boolean }) {
  const groups = groupTurns(props.messages)
  const end = useRef<HTMLDivElement>(null)
  const lastLength = textLength(props.messages.at(-1))

  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when the newest text grows or a turn changes
  useEffect(() => {
    const el = end.current
    if (!el) return
    const nearBottom = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 240
    if (nearBottom) el.scrollIntoView({ block: 'end' })
  }, [lastLength, groups.length, props.turns])

  return (
    <div role="log" aria-label="Conversation" className="flex flex-col gap-6">
      {groups.map((g, i) => {
        const turn = props.turns[i]
        const isLast = i === groups.length - 1
        const streamingHere = isLast && props.streaming && turn?.status === 'streaming'
        return (
          <Fragment key={g.user.id}>
            <UserBubble message={g.user} />
            {(turn || g.replies.length > 0) && (
              <article
                data-testid="assistant-turn"
                data-status={turn?.status ?? ''}
                aria-busy={streamingHere}
                className="flex gap-3"
              >
                <span
                  aria-hidden="true"
                  className="mt-0.5 grid size-8 shrink-0 place-items-center rounded-full bg-gradient-to-br from-indigo-500 to-violet-500 text-xs font-semibold text-white"
                >
                  AI
                </span>
                <div className="min-w-0 flex-1">
                  <h2 className="sr-only">Reply</h2>
                  {g.replies.map((r, j) => (
                    <AssistantParts
                      key={r.id}
                      message={r}
                      streaming={streamingHere && j === g.replies.length - 1}
                    />
                  ))}
                  {streamingHere && g.replies.every((r) => textLength(r) === 0) && (
                    <p className="text-sm text-slate-500" data-testid="thinking">
                      <span className="streaming-caret">Thinking</span>
                    </p>
                  )}
                  {turn && <UsageChip turn={turn} />}
                  {turn && <ReplyNotices turn={turn} />}
                </div>
              </article>
            )}
          </Fragment>
        )
      })}
      <div ref={end} />
    </div>
  )
}

function UserBubble({ message }: { message: UIMessage }) {
  const text = message.parts.map((p) => (p.type === 'text' ? p.content : '')).join('')
  return (
    <div className="flex justify-end">
      <p
        data-testid="user-message"
        className="max-w-[85%] whitespace-pre-wrap break-words rounded-2xl rounded-br-md bg-indigo-600 px-4 py-2.5 text-[15px] text-white shadow-sm"
      >
        <span className="sr-only">You: </span>
        {text}
      </p>
    </div>
  )
}

function AssistantParts({ message, streaming }: { message: UIMessage; streaming: boolean }) {
  const lastText = message.parts.findLastIndex((p) => p.type === 'text')
  const outputs = new Map<string, unknown>()
  for (const p of message.parts) if (p.type === 'tool-result') outputs.set(p.toolCallId, p.content)
  return (
    <div data-testid="assistant-message" className="min-w-0">
      {message.parts.map((p, i) => {
        const key = `${message.id}-${i}`
        if (p.type === 'text') {
          return p.content ? (
            <Markdown key={key} text={p.content} streaming={streaming && i === lastText} />
          ) : null
        }
        if (p.type === 'tool-call') {
          const call: ToolCallView = {
            id: p.id,
            name: p.name,
            arguments: p.arguments,
            input: p.input,
            state: p.state,
            output: p.output ?? outputs.get(p.id),
          }
          return <ToolCallCard key={key} call={call} />
        }
        if (p.type === 'thinking' && p.content) {
          return (
            <details key={key} className="my-2 text-sm text-slate-500">
              <summary className="cursor-pointer select-none">Reasoning</summary>
              <p className="mt-1 whitespace-pre-wrap">{p.content}</p>
            </details>
          )
        }
        return null
      })}
    </div>
  )
}

function textLength(message: UIMessage | undefined): number {
  if (message?.role !== 'assistant') return 0
  return message.parts.reduce((n, p) => n + (p.type === 'text' ? p.content.length : 0), 0)
}

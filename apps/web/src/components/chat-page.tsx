import { fetchServerSentEvents, type UIMessage, useChat } from '@tanstack/ai-react'
import { useQueryClient } from '@tanstack/react-query'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { useApi } from '../lib/api-context'
import { type ApiError, apiErrorFromResponse, findApiError, insufficientCreditsOf } from '../lib/api-error'
import { estimateInFlightCredits } from '../lib/estimate'
import { applyCreditsEvent, queryKeys, useModels } from '../lib/queries'
import { createReplyMeter, type ReplyMeter } from '../lib/stream-meta'
import { findStoppedCharge, type TurnState } from '../lib/turns'
import { useSelectedModel } from '../lib/use-selected-model'
import { Composer } from './composer'
import { InsufficientCreditsPanel } from './insufficient-credits-panel'
import { ModelPicker } from './model-picker'
import { Transcript } from './transcript'

/** Chunks that change what the usage chip shows; others (text deltas) only change the message itself. */
const METERED_CHUNKS = new Set(['RUN_FINISHED', 'RUN_ERROR', 'TOOL_CALL_START'])

/** How long to look for the settlement of a stopped reply in the ledger (the server settles on disconnect). */
const STOPPED_POLL = { attempts: 24, intervalMs: 250 }

const SUGGESTIONS = [
  'What does one credit buy me?',
  'Search the web for how TanStack AI streams chat responses',
  'Look up my notes on idempotency keys',
  'Write a detailed essay on metering LLM usage',
]

/**
 * The chat: streaming replies with markdown and tool calls, a usage chip under each reply, a stop button,
 * the 402 panel, and the model picker. Reports a live estimate of the streaming reply's cost to the badge.
 *
 * @example
 * ```tsx
 * <ChatPage onInFlightChange={setInFlight} />
 * ```
 */
export function ChatPage({ onInFlightChange }: { onInFlightChange: (credits: number | null) => void }) {
  const { api, session, resetSession } = useApi()
  const queryClient = useQueryClient()
  const models = useModels()
  const [model, setModel] = useSelectedModel(models.data)
  const [turns, setTurns] = useState<TurnState[]>([])
  const [blocked, setBlocked] = useState<ApiError | null>(null)
  const [draft, setDraft] = useState('')
  const [toast, setToast] = useState<string | null>(null)
  const inputRef = useRef<HTMLTextAreaElement>(null)
  // The reply in flight: which turn it belongs to and the meter its chunks feed. Null once it ends.
  const active = useRef<{ turn: number; meter: ReplyMeter; text: string } | null>(null)
  const turnsRef = useRef(turns)
  turnsRef.current = turns
  const claimed = useRef(new Set<string>())
  const unsent = useRef<string | null>(null)

  const updateTurn = useCallback((index: number, update: (t: TurnState) => TurnState) => {
    setTurns((ts) => ts.map((t, i) => (i === index ? update(t) : t)))
  }, [])

  const connection = useMemo(
    () =>
      fetchServerSentEvents('/api/chat', () => ({
        headers: { authorization: `Bearer ${session.apiKey}` },
        // Read the API's JSON error (402 required/balance, 429, ...) instead of a bare "HTTP error! status".
        fetchClient: async (input: RequestInfo | URL, init?: RequestInit) => {
          const res = await fetch(input, init)
          if (!res.ok) throw await apiErrorFromResponse(res)
          // The ledger's run id: lets a stopped reply find its own settlement in /api/usage.
          const runId = res.headers.get('x-run-id')
          const run = active.current
          if (run && runId) updateTurn(run.turn, (t) => ({ ...t, runId }))
          return res
        },
      })),
    [session.apiKey, updateTurn],
  )

  const chat = useChat({
    connection,
    onChunk: (chunk) => {
      const run = active.current
      if (!run) return
      const credits = run.meter.observe(chunk)
      if (credits) {
        applyCreditsEvent(queryClient, credits)
        const meta = run.meter.snapshot()
        updateTurn(run.turn, (t) => ({
          ...t,
          status: 'settled',
          meta,
          charge: {
            charged: credits.charged,
            tokens: meta.totalTokens,
            estimated: credits.estimated,
            balance: credits.balance,
          },
        }))
        return
      }
      if (!METERED_CHUNKS.has(chunk.type)) return
      updateTurn(run.turn, (t) => ({ ...t, meta: run.meter.snapshot() }))
    },
    onError: (err) => {
      const run = active.current
      active.current = null
      if (!run) return
      const denied = insufficientCreditsOf(err)
      if (denied) {
        // Nothing was sent or charged: drop the turn and hand the text back so a top-up can resend it.
        unsent.current = run.text
        setTurns((ts) => ts.slice(0, run.turn))
        setBlocked(denied)
        void queryClient.invalidateQueries({ queryKey: queryKeys.credits })
        return
      }
      const apiError = findApiError(err)
      if (apiError?.status === 401 && session.demo) {
        resetSession()
        return
      }
      updateTurn(run.turn, (t) => ({
        ...t,
        status: 'failed',
        meta: run.meter.snapshot(),
        error: apiError?.message ?? err.message,
      }))
      void queryClient.invalidateQueries({ queryKey: queryKeys.credits })
    },
  })
  const { messages, isLoading, sendMessage, setMessages, stop: stopChat } = chat

  // After a 402 the client keeps the unsent user message; remove it once the client is idle again.
  useEffect(() => {
    if (isLoading || unsent.current === null) return
    const text = unsent.current
    unsent.current = null
    // Drop the refused user message and any empty assistant placeholder the client added after it.
    const lastUser = messages.findLastIndex((m) => m.role === 'user')
    if (lastUser >= 0) setMessages(messages.slice(0, lastUser))
    setDraft(text)
  }, [isLoading, messages, setMessages])

  // A reply that ended without a settlement chunk (older server, proxy cut): show what we know and refetch.
  useEffect(() => {
    if (isLoading) return
    const run = active.current
    if (!run) return
    active.current = null
    updateTurn(run.turn, (t) =>
      t.status === 'streaming' ? { ...t, status: 'settled', meta: run.meter.snapshot() } : t,
    )
    void queryClient.invalidateQueries({ queryKey: queryKeys.credits })
  }, [isLoading, queryClient, updateTurn])

  const price = models.data?.find((m) => m.model === model)
  const inFlight = useMemo(() => {
    const last = turns.at(-1)
    if (!isLoading || !price || !last || last.status !== 'streaming') return null
    const { promptChars, streamedChars } = measureLastReply(messages)
    const tools = last.meta.toolCalls.filter((t) => t.name === 'web_search').length
    return (
      estimateInFlightCredits({
        promptChars,
        streamedChars,
        inputPrice: price.uncachedInput,
        outputPrice: price.output,
      }) + tools
    )
  }, [isLoading, price, turns, messages])
  useEffect(() => onInFlightChange(inFlight), [inFlight, onInFlightChange])

  const pollStoppedCharge = useCallback(
    async (turnIndex: number) => {
      for (let attempt = 0; attempt < STOPPED_POLL.attempts; attempt++) {
        await new Promise((r) => setTimeout(r, STOPPED_POLL.intervalMs))
        const turn = turnsRef.current[turnIndex]
        if (turn?.status !== 'settling') return
        try {
          const page = await api.usage(20)
          const charge = findStoppedCharge(page.items, {
            since: turn.startedAt,
            runId: turn.runId,
            claimed: claimed.current,
          })
          if (charge) {
            if (charge.entryId) claimed.current.add(charge.entryId)
            updateTurn(turnIndex, (t) => ({ ...t, status: 'stopped', charge }))
            await queryClient.invalidateQueries({ queryKey: queryKeys.credits })
            void queryClient.invalidateQueries({ queryKey: queryKeys.usage })
            return
          }
        } catch {
          // transient: keep polling until the attempts run out
        }
      }
      updateTurn(turnIndex, (t) => (t.status === 'settling' ? { ...t, status: 'stopped' } : t))
      void queryClient.invalidateQueries({ queryKey: queryKeys.credits })
    },
    [api, queryClient, updateTurn],
  )

  const stop = useCallback(() => {
    const run = active.current
    active.current = null
    stopChat()
    if (!run) return
    run.meter.abort()
    const meta = run.meter.snapshot()
    // The settlement chunk may already be here; then the reply was complete and is billed exactly.
    if (turnsRef.current[run.turn]?.charge) return
    updateTurn(run.turn, (t) => ({ ...t, status: 'settling', meta }))
    void pollStoppedCharge(run.turn)
    inputRef.current?.focus()
  }, [stopChat, updateTurn, pollStoppedCharge])

  const send = useCallback(
    (text: string) => {
      const content = text.trim()
      if (!content || isLoading) return
      setBlocked(null)
      setToast(null)
      setDraft('')
      const turn = messages.filter((m) => m.role === 'user').length
      const meter = createReplyMeter()
      active.current = { turn, meter, text: content }
      setTurns((ts) => [
        ...ts.slice(0, turn),
        { status: 'streaming', meta: meter.snapshot(), charge: null, startedAt: Date.now() },
      ])
      void sendMessage(content, model ? { body: { model } } : undefined)
    },
    [isLoading, messages, sendMessage, model],
  )

  return (
    <div className="flex flex-1 flex-col gap-3 py-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <ModelPicker
          models={models.data ?? []}
          value={model ?? ''}
          onChange={setModel}
          disabled={isLoading}
        />
        {messages.length > 0 && (
          <button
            type="button"
            onClick={() => {
              chat.clear()
              setTurns([])
              setBlocked(null)
            }}
            disabled={isLoading}
            className="rounded-lg px-3 py-1.5 text-sm text-slate-600 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-600 disabled:opacity-50"
          >
            New chat
          </button>
        )}
      </div>

      {messages.length === 0 && !blocked ? (
        <Welcome onPick={(s) => send(s)} demo={session.demo} />
      ) : (
        <Transcript messages={messages as UIMessage[]} turns={turns} streaming={isLoading} />
      )}

      <div className="sticky bottom-0 mt-auto flex flex-col gap-2 bg-gradient-to-t from-slate-50 via-slate-50 to-slate-50/0 pb-3 pt-4">
        {blocked && (
          <InsufficientCreditsPanel
            error={blocked}
            onDismiss={() => setBlocked(null)}
            onResolved={() => {
              setBlocked(null)
              const balance = queryClient.getQueryData<{ credits: number }>(queryKeys.credits)?.credits
              setToast(
                balance === undefined
                  ? 'Credits topped up. Send your message again.'
                  : `Topped up — your balance is ${balance} credits. Send your message again.`,
              )
              inputRef.current?.focus()
            }}
          />
        )}
        {toast && (
          <p
            role="status"
            data-testid="topup-toast"
            className="rounded-lg border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800"
          >
            {toast}
          </p>
        )}
        <Composer
          value={draft}
          onChange={setDraft}
          onSend={() => send(draft)}
          onStop={stop}
          streaming={isLoading}
          inputRef={inputRef}
        />
        <p className="px-1 text-center text-xs text-slate-400">
          Credits are reserved before each reply and settled to the exact token count when it ends.
        </p>
      </div>
    </div>
  )
}

function Welcome({ onPick, demo }: { onPick: (text: string) => void; demo: boolean }) {
  return (
    <section className="mx-auto mt-6 w-full max-w-2xl text-center sm:mt-12" aria-labelledby="welcome-title">
      <h1 id="welcome-title" className="text-2xl font-semibold tracking-tight text-slate-900 sm:text-3xl">
        Chat with a live credit meter
      </h1>
      <p className="mx-auto mt-2 max-w-lg text-slate-600">
        Every reply is metered token by token and billed in credits. Watch the balance in the corner move as
        the answer streams{demo ? ' — you start with free demo credits' : ''}.
      </p>
      <ul className="mt-6 grid gap-2 text-left sm:grid-cols-2">
        {SUGGESTIONS.map((s) => (
          <li key={s}>
            <button
              type="button"
              onClick={() => onPick(s)}
              className="h-full w-full rounded-xl border border-slate-200 bg-white px-4 py-3 text-left text-sm text-slate-700 shadow-sm transition hover:border-indigo-300 hover:shadow focus-visible:outline-2 focus-visible:outline-indigo-600"
            >
              {s}
            </button>
          </li>
        ))}
      </ul>
    </section>
  )
}

/** Characters of the prompt (all earlier messages) and of the reply streaming now, for the live estimate. */
function measureLastReply(messages: ReadonlyArray<{ role: string; parts: ReadonlyArray<unknown> }>) {
  let lastUser = -1
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === 'user') {
      lastUser = i
      break
    }
  }
  let promptChars = 0
  let streamedChars = 0
  messages.forEach((m, i) => {
    const chars = m.parts.reduce<number>((n, p) => n + partChars(p), 0)
    if (i <= lastUser) promptChars += chars
    else streamedChars += chars
  })
  return { promptChars, streamedChars }
}

function partChars(part: unknown): number {
  if (typeof part !== 'object' || part === null) return 0
  const p = part as { type?: string; content?: unknown; arguments?: unknown }
  if ((p.type === 'text' || p.type === 'thinking') && typeof p.content === 'string') return p.content.length
  if (p.type === 'tool-call' && typeof p.arguments === 'string') return p.arguments.length
  return 0
}

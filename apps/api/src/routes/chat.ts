/**
 * `POST /api/chat`: the metered chat. Order matters and is the point of this file:
 * rate limit -> parse and validate -> take a stream slot -> reserve (402 here, before any provider call) ->
 * `chat()` -> `meterStream` (settles exactly once however the stream ends) -> SSE.
 * Client-supplied usage, cost or credits fields are never read.
 */
import { createHash, randomUUID } from 'node:crypto'
import { idempotencyKeySchema, isCreditError } from '@10xstudent/domain'
import { meterStream, reserveForChat, type Settlement } from '@10xstudent/metering'
import { chat, chatParamsFromRequestBody, type StreamChunk, toServerSentEventsResponse } from '@tanstack/ai'
import type { Hono } from 'hono'
import { z } from 'zod'
import { ApiError, badField, invalidRequest } from '../http-errors'
import type { Metrics } from '../metrics'
import { rateLimited } from '../middleware/rate-limit'
import type { ModelCatalog } from '../models'
import type { RateLimiter } from '../rate-limit'
import type { StreamTracker } from '../stream-tracker'
import { createChatTools } from '../tools/index'
import type { AppDeps, AppEnv } from '../types'

const MAX_MESSAGES = 500

const plainMessage = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.string().min(1).max(200_000),
})

/** The plain body; unknown keys (e.g. a client's `usage` or `credits`) are stripped, never read. */
const plainBody = z.object({
  messages: z.array(plainMessage).min(1).max(MAX_MESSAGES),
  model: z.string().min(1).max(100).optional(),
  maxTokens: z.number().int().min(1).max(1_000_000).optional(),
})

/** What `fetchServerSentEvents` puts in `forwardedProps` (its `body` option); the rest is ignored. */
const forwardedProps = z.object({
  model: z.string().min(1).max(100).optional(),
  maxTokens: z.number().int().min(1).max(1_000_000).optional(),
})

interface ParsedChat {
  messages: unknown[]
  model: string | undefined
  maxTokens: number | undefined
  /** AG-UI ids, echoed in the stream's events for the client; never used for billing. */
  threadId?: string
  clientRunId?: string
}

async function parseChatBody(body: unknown): Promise<ParsedChat> {
  const isAgUi =
    typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body) &&
    ('threadId' in body || 'runId' in body)
  if (!isAgUi) {
    const parsed = plainBody.safeParse(body)
    if (!parsed.success) throw invalidRequest(parsed.error)
    return { messages: parsed.data.messages, model: parsed.data.model, maxTokens: parsed.data.maxTokens }
  }
  let params: Awaited<ReturnType<typeof chatParamsFromRequestBody>>
  try {
    params = await chatParamsFromRequestBody(body)
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^.*Validation errors: /s, '') : 'invalid body'
    throw new ApiError(400, 'invalid_request', 'The body is not a valid AG-UI RunAgentInput', {
      issues: [{ path: [], message: reason }],
    })
  }
  if (params.messages.length === 0) throw badField(['messages'], 'At least one message is required')
  if (params.messages.length > MAX_MESSAGES) throw badField(['messages'], `At most ${MAX_MESSAGES} messages`)
  const props = forwardedProps.safeParse(params.forwardedProps)
  if (!props.success) throw invalidRequest(props.error, ['forwardedProps'])
  return {
    messages: params.messages,
    model: props.data.model,
    maxTokens: props.data.maxTokens,
    threadId: params.threadId,
    clientRunId: params.runId,
  }
}

/**
 * The ledger run id. With an `Idempotency-Key` it is derived from (user, key), so a retried request maps
 * to the same run and hold; without one it is random.
 */
function runIdFor(userId: string, idempotencyKey: string | undefined): string {
  if (!idempotencyKey) return `run_${randomUUID()}`
  return `run_${createHash('sha256').update(`${userId}\u0000${idempotencyKey}`).digest('hex').slice(0, 32)}`
}

export interface ChatRouteOptions {
  deps: AppDeps
  catalog: ModelCatalog
  limiter: RateLimiter
  metrics: Metrics
  streams: StreamTracker
}

/**
 * @example
 * ```ts
 * registerChatRoute(api, { deps, catalog, limiter, metrics, streams })
 * ```
 */
export function registerChatRoute(app: Hono<AppEnv>, options: ChatRouteOptions): void {
  const { deps, catalog, limiter, metrics, streams } = options
  const { ledger, config } = deps
  const unmetered = deps.unmeteredChatForBenchmark === true

  app.post('/chat', async (c) => {
    const { userId } = c.var.auth
    const log = c.var.logger

    const keyHeader = c.req.header('idempotency-key')
    let idempotencyKey: string | undefined
    if (keyHeader !== undefined) {
      const key = idempotencyKeySchema.safeParse(keyHeader)
      if (!key.success) throw invalidRequest(key.error, ['headers', 'idempotency-key'])
      idempotencyKey = key.data
    }

    let raw: unknown
    try {
      raw = await c.req.json()
    } catch {
      throw new ApiError(400, 'invalid_request', 'The body is not valid JSON')
    }
    const body = await parseChatBody(raw)

    const model = body.model ?? catalog.defaultModel
    const price = catalog.get(model)
    if (!price) throw badField(['model'], `Model "${model}" is not available; see GET /api/models`)
    if (body.maxTokens !== undefined && body.maxTokens > price.maxOutputTokens) {
      throw badField(['maxTokens'], `maxTokens must be at most ${price.maxOutputTokens} for ${model}`)
    }

    const slot = await limiter.acquireStream(userId)
    if (!slot.allowed) throw rateLimited(slot.retryAfterSeconds, 'Too many concurrent streams')

    let streaming = false
    try {
      const runId = runIdFor(userId, idempotencyKey)
      const requestedMaxTokens = body.maxTokens ?? Math.min(config.defaultMaxTokens, price.maxOutputTokens)
      // Created before the reservation: the tool schemas are part of the prompt the worst case must cover.
      const tools = createChatTools({
        ledger,
        userId,
        runId,
        logger: log,
        onToolCall: (tool) => metrics.toolCalls.inc({ tool }),
      })
      let reservation: Awaited<ReturnType<typeof reserveForChat>> | undefined
      if (!unmetered) {
        try {
          reservation = await reserveForChat({
            ledger,
            userId,
            model,
            messages: body.messages,
            tools,
            maxOutputTokens: requestedMaxTokens,
            runId,
            idempotencyKey: idempotencyKey ? `chat:${idempotencyKey}` : undefined,
            logger: log,
          })
        } catch (err) {
          if (isCreditError(err) && err.code === 'insufficient_credits') {
            metrics.insufficientCredits.inc({ route: '/api/chat' })
          }
          throw err
        }
        if (reservation.hold.replayed) {
          // The same key already started a run; replaying a stream is not possible, so say so honestly.
          throw new ApiError(
            409,
            'idempotency_conflict',
            'This Idempotency-Key was already used for a chat request',
          )
        }
        metrics.activeHolds.inc()
      }
      const maxOutputTokens = reservation?.maxOutputTokens ?? requestedMaxTokens

      const abortController = new AbortController()
      const onClientGone = () => abortController.abort('client disconnected')
      const clientSignal = c.req.raw.signal
      if (clientSignal.aborted) onClientGone()
      else clientSignal.addEventListener('abort', onClientGone, { once: true })
      const timeout = setTimeout(() => abortController.abort('provider timeout'), config.providerTimeoutMs)
      timeout.unref()

      const tracked = streams.add({ abort: (reason) => abortController.abort(reason) })
      metrics.activeStreams.inc()

      const adapter = catalog.createAdapter(model, { maxOutputTokens })
      const stream = chat({
        adapter,
        messages: body.messages as never,
        tools,
        abortController,
        modelOptions: { maxOutputTokens } as never,
        ...(body.threadId ? { threadId: body.threadId } : {}),
        ...(body.clientRunId ? { runId: body.clientRunId } : {}),
      }) as AsyncIterable<StreamChunk>

      const onSettled = (s: Settlement) => {
        metrics.activeHolds.dec()
        if (s.status === 'failed') {
          metrics.settlementFailures.inc()
          log.error(
            { runId, holdId: s.holdId, error: s.error },
            'Chat settlement failed; the sweeper will expire the hold',
          )
          return
        }
        metrics.chatRequests.inc({ model, finish_reason: s.finishReason })
        metrics.creditsCharged.inc({ model }, s.charged)
        for (const [pool, tokens] of Object.entries(s.pools)) {
          if (tokens > 0) metrics.tokens.inc({ model, pool }, tokens)
        }
        log.info(
          {
            runId,
            model,
            charged: s.charged,
            finishReason: s.finishReason,
            estimated: s.estimated,
            totalTokens: s.totalTokens,
            modelCalls: s.modelCalls,
          },
          'Chat settled',
        )
      }
      const metered = reservation
        ? meterStream(stream, {
            ledger,
            hold: reservation.hold,
            model,
            logger: log,
            runId,
            signal: abortController.signal,
            onSettled,
          })
        : stream

      const release = async () => {
        clearTimeout(timeout)
        clientSignal.removeEventListener('abort', onClientGone)
        metrics.activeStreams.dec()
        await slot.release()
        tracked.finish()
      }
      // Runs after the metered stream has settled (its return()/completion awaits the settlement).
      async function* finalized(): AsyncGenerator<StreamChunk> {
        try {
          yield* metered
        } finally {
          await release()
        }
      }
      streaming = true
      return toServerSentEventsResponse(finalized(), {
        abortController,
        headers: { 'X-Request-Id': c.var.requestId, 'X-Run-Id': runId },
      })
    } finally {
      if (!streaming) await slot.release()
    }
  })
}

import {
  assertId,
  type CreditLedger,
  type CreditOperation,
  creditCostOf,
  InsufficientCreditsError,
  isCreditError,
  operationSlug,
} from '@10xstudent/domain'
import { type MeteringLogger, resolveLogger, safeLog } from './logger'
import { errorMessage } from './run-meter'

export interface MeteredToolOptions<TArgs = unknown> {
  ledger: CreditLedger
  userId: string
  runId: string
  /** The operation of `CREDIT_COSTS` this tool is billed as (e.g. `WEB_SEARCH`). */
  operation: CreditOperation
  /** Fixed credits per execution; default `CREDIT_COSTS[operation]`. */
  cost?: number
  /** Credits for one execution from its arguments (wins over `cost`). */
  costFn?: (args: TArgs) => number
  logger?: MeteringLogger
}

type ExecutableTool = { name: string; execute?: (args: never, context?: never) => unknown }
/** The argument type of a tool's `execute`. */
type ToolArgs<T extends ExecutableTool> = T['execute'] extends
  | ((args: infer A, ...rest: never[]) => unknown)
  | undefined
  ? A
  : unknown

/**
 * Charge a server tool per execution (the documented pattern 2). The charge is taken before the tool runs,
 * idempotent per run and tool call id (`tool:<runId>:<toolCallId>`), so a retried call is billed once.
 * An unaffordable call throws `InsufficientCreditsError` inside `execute`, which `chat()` turns into an
 * error result for the model: the run goes on, the tool does not run. If the tool itself fails after the
 * charge, the charge is reversed with a `grant` (a new reversing row; the ledger stays append-only).
 *
 * @example
 * ```ts
 * const search = meteredTool(webSearch, { ledger, userId, runId, operation: 'WEB_SEARCH' })
 * chat({ adapter, messages, tools: [search] })
 * ```
 */
export function meteredTool<T extends ExecutableTool>(tool: T, options: MeteredToolOptions<ToolArgs<T>>): T {
  const execute = tool.execute as ((args: unknown, context?: { toolCallId?: string }) => unknown) | undefined
  if (typeof execute !== 'function')
    throw new TypeError(`meteredTool needs a server tool with execute(); "${tool.name}" has none`)
  const userId = assertId('userId', options.userId)
  const runId = assertId('runId', options.runId)
  const logger = resolveLogger(options.logger)
  const slug = operationSlug(options.operation)
  let calls = 0

  const metered = async (args: unknown, context?: { toolCallId?: string }) => {
    calls++
    const callId = context?.toolCallId ?? `${tool.name}#${calls}`
    const cost = options.costFn
      ? options.costFn(args as ToolArgs<T>)
      : (options.cost ?? creditCostOf(options.operation))
    if (!Number.isSafeInteger(cost) || cost < 0)
      throw new RangeError(`tool cost must be a whole number of credits >= 0, got ${cost}`)
    const idempotencyKey = `tool:${runId}:${callId}`
    if (cost > 0) {
      try {
        await options.ledger.charge({
          userId,
          amount: cost,
          idempotencyKey,
          operation: slug,
          runId,
          metadata: { tool: tool.name, toolCallId: callId },
        })
      } catch (err) {
        if (isCreditError(err) && err.code === 'insufficient_credits') {
          const e = err as InsufficientCreditsError
          safeLog(
            logger,
            'info',
            { userId, runId, tool: tool.name, required: e.required, balance: e.balance },
            'Tool call refused: insufficient credits',
          )
          throw new InsufficientCreditsError(
            e.required,
            e.balance,
            `Insufficient credits to run ${tool.name}: ${e.required} required, ${e.balance} available`,
          )
        }
        safeLog(
          logger,
          'error',
          { userId, runId, tool: tool.name, idempotencyKey, err: errorMessage(err) },
          'Tool charge failed',
        )
        throw err
      }
      safeLog(
        logger,
        'info',
        { userId, runId, tool: tool.name, toolCallId: callId, cost, operation: slug },
        'Tool call charged',
      )
    }
    try {
      return await execute(args, context)
    } catch (err) {
      if (cost > 0) await refund(cost, idempotencyKey, err)
      throw err
    }
  }

  const refund = async (cost: number, key: string, cause: unknown) => {
    try {
      await options.ledger.grant({
        userId,
        amount: cost,
        idempotencyKey: `refund:${key}`,
        operation: 'refund',
        reason: `${tool.name} failed: ${errorMessage(cause)}`.slice(0, 500),
      })
    } catch (err) {
      safeLog(
        logger,
        'error',
        {
          userId,
          runId,
          tool: tool.name,
          idempotencyKey: `refund:${key}`,
          amount: cost,
          err: errorMessage(err),
        },
        'Tool refund failed; refund by hand',
      )
    }
  }

  return { ...tool, execute: metered } as T
}

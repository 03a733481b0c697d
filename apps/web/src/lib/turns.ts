import type { UsageEntry } from './api-types'
import { isChargeEntry } from './format'
import type { ReplyMeta } from './stream-meta'

/** What the user paid for one reply, from the stream's `credits` chunk or, for a stopped reply, the ledger. */
export interface TurnCharge {
  charged: number
  tokens: number
  estimated: boolean
  balance?: number
  /** Ledger entry id when the charge was read back from `/api/usage`. */
  entryId?: string
}

/**
 * One user message and the reply to it.
 * - `streaming`: the reply is arriving; `settled`: the `credits` chunk arrived;
 * - `settling`: stopped by the user, waiting for the server's aborted settlement to show up in the ledger;
 * - `stopped`: that settlement was found (or could not be, then `charge` is null);
 * - `failed`: the request or the model failed; `blocked`: 402 before anything streamed.
 */
export interface TurnState {
  status: 'streaming' | 'settled' | 'settling' | 'stopped' | 'failed' | 'blocked'
  meta: ReplyMeta
  charge: TurnCharge | null
  error?: string
  /** Browser clock when the message was sent (for matching the ledger entry of a stopped reply). */
  startedAt: number
  /** The ledger's run id, from the `X-Run-Id` response header. */
  runId?: string
}

/** How far the server's clock may be behind the browser's before a stopped reply's charge is missed. */
export const CLOCK_SKEW_MS = 120_000

/**
 * Find what a stopped reply was charged, from the newest ledger page. When the run id is known (the API sends it
 * as `X-Run-Id`), that run's settlement is used — the model's charge only, like a finished reply's chip: per-tool
 * charges of the run are shown on their tool cards, never added in twice; otherwise the newest
 * aborted settlement made after the reply started that no other turn has claimed is used. `undefined` until the
 * settlement row exists (the server settles a disconnected stream a moment after the abort).
 *
 * @example
 * ```ts
 * findStoppedCharge(page.items, { since: turn.startedAt, runId: turn.runId, claimed: new Set() })
 * ```
 */
export function findStoppedCharge(
  items: readonly UsageEntry[],
  opts: { since: number; runId?: string | undefined; claimed: ReadonlySet<string> },
): TurnCharge | undefined {
  if (opts.runId) {
    const settlement = items.find((e) => e.runId === opts.runId && e.kind === 'settle')
    return settlement ? chargeFromEntry(settlement) : undefined
  }
  const entry = items.find((e) => {
    const at = Date.parse(e.createdAt)
    return (
      isChargeEntry(e) &&
      !opts.claimed.has(e.id) &&
      e.finishReason === 'aborted' &&
      Number.isFinite(at) &&
      at >= opts.since - CLOCK_SKEW_MS
    )
  })
  return entry ? chargeFromEntry(entry) : undefined
}

/**
 * The charge a ledger entry records, in the shape the usage chip shows.
 *
 * @example
 * ```ts
 * chargeFromEntry(entry).charged
 * ```
 */
export function chargeFromEntry(entry: UsageEntry): TurnCharge {
  return {
    charged: entry.cost ?? Math.max(0, -entry.delta),
    tokens: entry.tokensUsed ?? 0,
    estimated: entry.estimated,
    balance: entry.balanceAfter,
    entryId: entry.id,
  }
}

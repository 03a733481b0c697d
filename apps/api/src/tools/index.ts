/**
 * The server tools offered to the model. `web_search` costs `CREDIT_COSTS.WEB_SEARCH` per call, charged by
 * `meteredTool` (the app never computes or writes charges itself); `rag_query` is free (`RAG_QUERY: 0`).
 */
import type { CreditLedger } from '@10xstudent/domain'
import { CREDIT_COSTS } from '@10xstudent/domain'
import type { Logger } from '@10xstudent/logger'
import { meteredTool } from '@10xstudent/metering'
import { toolDefinition } from '@tanstack/ai'
import { z } from 'zod'
import { NOTES_CORPUS, searchCorpus, WEB_CORPUS } from './corpus'

const queryInput = z.object({
  query: z.string().min(1).max(500).describe('What to look for'),
  limit: z.number().int().min(1).max(5).optional().describe('How many results (1-5, default 3)'),
})

const hitsOutput = z.object({
  results: z.array(z.object({ title: z.string(), url: z.string(), snippet: z.string() })),
})

export const webSearchDefinition = toolDefinition({
  name: 'web_search',
  description: `Search the web for up-to-date facts. Costs ${CREDIT_COSTS.WEB_SEARCH} credit per call.`,
  inputSchema: queryInput,
  outputSchema: hitsOutput,
})

export const ragQueryDefinition = toolDefinition({
  name: 'rag_query',
  description: "Search the student's own notes and documents. Free.",
  inputSchema: queryInput,
  outputSchema: hitsOutput,
})

export interface ChatToolsContext {
  ledger: CreditLedger
  userId: string
  runId: string
  logger: Logger
  onToolCall?: (tool: 'web_search' | 'rag_query') => void
}

/**
 * @example
 * ```ts
 * chat({ adapter, messages, tools: createChatTools({ ledger, userId, runId, logger }) })
 * ```
 */
export function createChatTools(ctx: ChatToolsContext) {
  const webSearch = webSearchDefinition.server(async ({ query, limit }) => {
    ctx.onToolCall?.('web_search')
    return {
      results: searchCorpus(WEB_CORPUS, query, limit ?? 3).map(({ title, url, snippet }) => ({
        title,
        url,
        snippet,
      })),
    }
  })
  const ragQuery = ragQueryDefinition.server(async ({ query, limit }) => {
    ctx.onToolCall?.('rag_query')
    return {
      results: searchCorpus(NOTES_CORPUS, query, limit ?? 3).map(({ title, url, snippet }) => ({
        title,
        url,
        snippet,
      })),
    }
  })
  return [
    meteredTool(webSearch, {
      ledger: ctx.ledger,
      userId: ctx.userId,
      runId: ctx.runId,
      operation: 'WEB_SEARCH',
      cost: CREDIT_COSTS.WEB_SEARCH,
      logger: ctx.logger,
    }),
    ragQuery,
  ]
}

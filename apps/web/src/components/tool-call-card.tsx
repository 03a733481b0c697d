import { CREDIT_COSTS } from '@10xstudent/domain'
import { pluralCredits } from '../lib/format'
import { BookIcon, SearchIcon, ToolIcon } from './icons'

const TOOLS: Record<string, { label: string; Icon: typeof ToolIcon; cost: number }> = {
  web_search: { label: 'Web search', Icon: SearchIcon, cost: CREDIT_COSTS.WEB_SEARCH },
  rag_query: { label: 'Searched your notes', Icon: BookIcon, cost: CREDIT_COSTS.RAG_QUERY },
}

/** The parts of a tool call the card reads (a structural subset of TanStack AI's `ToolCallPart`). */
export interface ToolCallView {
  id: string
  name: string
  arguments: string
  input?: unknown
  state: string
  output?: unknown
}

/**
 * One tool call inside a reply: what was asked, how many results came back, and whether it cost credits
 * (web search is charged per call and says so; document search is free).
 *
 * @example
 * ```tsx
 * <ToolCallCard call={part} />
 * ```
 */
export function ToolCallCard({ call }: { call: ToolCallView }) {
  const tool = TOOLS[call.name] ?? { label: call.name, Icon: ToolIcon, cost: 0 }
  const query = queryOf(call)
  const results = resultCount(call.output)
  const done = call.output !== undefined || call.state === 'output-available' || call.state === 'complete'

  return (
    <div
      data-testid="tool-call"
      data-tool={call.name}
      className="my-2 flex flex-wrap items-center gap-x-2 gap-y-1 rounded-lg border border-slate-200 bg-slate-50 px-3 py-2 text-sm"
    >
      <tool.Icon className="size-4 text-slate-500" />
      <span className="font-medium text-slate-800">{tool.label}</span>
      {query && <span className="min-w-0 truncate text-slate-600">“{query}”</span>}
      <span className="text-slate-500">
        {done
          ? results === null
            ? 'done'
            : `${results} ${results === 1 ? 'result' : 'results'}`
          : 'running…'}
      </span>
      <span
        className={`ml-auto rounded-full px-2 py-0.5 text-xs font-medium ${
          tool.cost > 0 ? 'bg-indigo-50 text-indigo-700' : 'bg-emerald-50 text-emerald-700'
        }`}
      >
        {tool.cost > 0 ? `charged ${pluralCredits(tool.cost)}` : 'free'}
      </span>
    </div>
  )
}

function queryOf(call: ToolCallView): string | null {
  let input = call.input
  if (input === undefined && call.arguments) {
    try {
      input = JSON.parse(call.arguments)
    } catch {
      return null
    }
  }
  if (
    typeof input === 'object' &&
    input !== null &&
    typeof (input as { query?: unknown }).query === 'string'
  ) {
    return (input as { query: string }).query
  }
  return null
}

function resultCount(output: unknown): number | null {
  let value = output
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value)
    } catch {
      return null
    }
  }
  if (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { results?: unknown }).results)
  ) {
    return (value as { results: unknown[] }).results.length
  }
  return null
}

import { useId } from 'react'
import type { ModelInfo } from '../lib/api-types'
import { formatNumber } from '../lib/format'

/**
 * A labelled model `<select>`; the demo model says it is the demo model, and each option shows its price.
 *
 * @example
 * ```tsx
 * <ModelPicker models={models} value={model} onChange={setModel} />
 * ```
 */
export function ModelPicker(props: {
  models: ModelInfo[]
  value: string
  onChange: (model: string) => void
  disabled?: boolean
}) {
  const id = useId()
  const selected = props.models.find((m) => m.model === props.value)
  return (
    <div className="flex min-w-0 items-center gap-2 text-sm">
      <label htmlFor={id} className="shrink-0 font-medium text-slate-600">
        Model
      </label>
      <select
        id={id}
        data-testid="model-picker"
        value={props.value}
        disabled={props.disabled || props.models.length === 0}
        onChange={(e) => props.onChange(e.target.value)}
        className="min-w-0 max-w-full rounded-lg border border-slate-300 bg-white py-1.5 pl-2 pr-8 text-sm text-slate-800 shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200 disabled:opacity-60"
      >
        {props.models.map((m) => (
          <option key={m.model} value={m.model}>
            {m.demo ? `${m.label} — demo model` : m.label}
          </option>
        ))}
      </select>
      {selected && (
        <span className="hidden text-xs text-slate-500 md:inline" title="Credits per million tokens">
          {formatNumber(selected.uncachedInput)} in · {formatNumber(selected.output)} out / 1M tokens
        </span>
      )}
      {selected?.demo && (
        <span className="hidden shrink-0 rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-800 sm:inline">
          Demo model
        </span>
      )}
    </div>
  )
}

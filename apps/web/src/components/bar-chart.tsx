import { useEffect, useRef, useState } from 'react'
import { axisTicks, niceMax } from '../lib/chart'
import { formatCompact, formatDay, formatNumber } from '../lib/format'

/**
 * A small, dependency-free SVG bar chart of one value per day, with a labelled y axis and a `<title>` tooltip
 * per bar. The SVG is an image with a text alternative; the numbers are also in the table below it.
 *
 * @example
 * ```tsx
 * <BarChart title="Credits per day" unit="credits" data={[{ day: '2026-12-04', value: 3 }]} color="#4f46e5" />
 * ```
 */
export function BarChart(props: {
  title: string
  unit: string
  data: ReadonlyArray<{ day: string; value: number }>
  color: string
  testId?: string
}) {
  // Draw at the real pixel width so text stays 11px on a phone instead of shrinking with the viewBox.
  const box = useRef<HTMLDivElement>(null)
  const width = useWidth(box, 560)
  const height = 200
  const pad = { top: 12, right: 8, bottom: 26, left: 44 }
  const innerW = width - pad.left - pad.right
  const innerH = height - pad.top - pad.bottom
  const max = niceMax(Math.max(0, ...props.data.map((d) => d.value)))
  const slot = props.data.length > 0 ? innerW / props.data.length : innerW
  const barW = Math.max(2, Math.min(36, slot * 0.64))
  const ticks = axisTicks(max)
  const total = props.data.reduce((n, d) => n + d.value, 0)
  const labelEvery = Math.ceil(props.data.length / Math.max(2, Math.floor(innerW / 64)))

  return (
    <figure className="min-w-0 rounded-2xl border border-slate-200 bg-white p-4 shadow-sm">
      <figcaption className="flex items-baseline justify-between gap-2">
        <span className="text-sm font-medium text-slate-700">{props.title}</span>
        <span className="text-xs text-slate-500">
          {formatNumber(total)} {props.unit} in {props.data.length} days
        </span>
      </figcaption>
      <div ref={box} className="mt-2">
        <svg
          data-testid={props.testId}
          viewBox={`0 0 ${width} ${height}`}
          role="img"
          aria-label={`${props.title}: ${
            props.data
              .filter((d) => d.value > 0)
              .map((d) => `${formatDay(d.day)} ${d.value}`)
              .join(', ') || 'no usage yet'
          }`}
          width={width}
          height={height}
          className="block max-w-full"
        >
          {ticks.map((t) => {
            const y = pad.top + innerH - (t / max) * innerH
            return (
              <g key={t}>
                <line
                  x1={pad.left}
                  x2={width - pad.right}
                  y1={y}
                  y2={y}
                  stroke="#e2e8f0"
                  strokeDasharray={t ? '3 3' : undefined}
                />
                <text x={pad.left - 6} y={y + 4} textAnchor="end" fontSize="11" fill="#64748b">
                  {formatCompact(t)}
                </text>
              </g>
            )
          })}
          {props.data.map((d, i) => {
            const h = (d.value / max) * innerH
            const x = pad.left + i * slot + (slot - barW) / 2
            return (
              <g key={d.day}>
                {d.value > 0 && (
                  <rect
                    data-testid={props.testId ? `${props.testId}-bar` : undefined}
                    x={x}
                    y={pad.top + innerH - h}
                    width={barW}
                    height={Math.max(h, 1.5)}
                    rx={Math.min(4, barW / 3)}
                    fill={props.color}
                  >
                    <title>
                      {formatDay(d.day)}: {formatNumber(d.value)} {props.unit}
                    </title>
                  </rect>
                )}
                {(props.data.length - 1 - i) % labelEvery === 0 && (
                  <text
                    x={pad.left + i * slot + slot / 2}
                    y={height - 8}
                    textAnchor="middle"
                    fontSize="11"
                    fill="#64748b"
                  >
                    {formatDay(d.day)}
                  </text>
                )}
              </g>
            )
          })}
        </svg>
      </div>
    </figure>
  )
}

function useWidth(ref: React.RefObject<HTMLElement | null>, fallback: number): number {
  const [width, setWidth] = useState(fallback)
  useEffect(() => {
    const el = ref.current
    if (!el) return
    const update = () => setWidth(Math.max(240, Math.floor(el.clientWidth)))
    update()
    const observer = new ResizeObserver(update)
    observer.observe(el)
    return () => observer.disconnect()
  }, [ref])
  return width
}

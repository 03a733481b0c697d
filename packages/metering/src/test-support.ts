/** Helpers shared by this package's tests (not exported from the package). */
import type { MeteringLogger } from './logger'

export interface LogLine {
  level: 'info' | 'warn' | 'error' | 'debug'
  msg: string | undefined
  obj: Record<string, unknown>
}

/** A logger that records every line, for assertions on the structured settlement log. */
export function captureLogger(): MeteringLogger & { lines: LogLine[]; settled(): LogLine[] } {
  const lines: LogLine[] = []
  const at =
    (level: LogLine['level']) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, msg, obj: obj as Record<string, unknown> })
    }
  return {
    lines,
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    debug: at('debug'),
    settled: () =>
      lines.filter((l) => l.msg?.startsWith('Credits settle') || l.msg?.startsWith('Credit settlement')),
  }
}

/** Drain an async iterable into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of iterable) out.push(item)
  return out
}

// Placeholder contract; the full implementation (redaction, pretty, child helpers) lands with the logger work.
import pino from 'pino'

export type { Logger } from 'pino'
export function createLogger(options: { name?: string; level?: string } = {}): pino.Logger {
  return pino({ name: options.name, level: options.level ?? 'info' })
}

import { type DestinationStream, type LevelWithSilentOrString, type Logger, pino } from 'pino'
import { loadPrettyFactory, type PrettyFactory } from './pretty'
import { REDACT_CENSOR, redactPaths } from './redact'

/** Options of {@link createLogger}. Nothing here is read from the environment. */
export interface CreateLoggerOptions {
  /** Logger name, written as the `name` field. */
  name?: string
  /** Minimum level (`trace` .. `fatal`, or `silent`); default `info`. */
  level?: LevelWithSilentOrString
  /** Human-readable output through pino-pretty (optional dependency); falls back to JSON if it is missing. */
  pretty?: boolean
  /** Extra redaction paths in pino syntax (`user.email`, `*.ssn`), added to the built-in ones. */
  redact?: readonly string[]
  /** Where lines go; default stdout. Any object with `write(line)` works (a file, a test stream). */
  destination?: DestinationStream
  /** Fields on every line; default pino's `{ pid, hostname }`; `null` for none. */
  base?: Record<string, unknown> | null
  /** Keep `prompt`, `messages`, `content`, `text` fields. Off by default: user text is not logged. */
  logPromptText?: boolean
}

/**
 * Build a logger with an injected pretty loader: the seam that lets tests cover the fallback when pino-pretty
 * is not installed. Use {@link createLogger}.
 */
export function buildLogger(
  options: CreateLoggerOptions,
  loadPretty: () => PrettyFactory | undefined,
): Logger {
  const pinoOptions: pino.LoggerOptions = {
    level: options.level ?? 'info',
    redact: {
      paths: redactPaths({ logPromptText: options.logPromptText ?? false, extra: options.redact ?? [] }),
      censor: REDACT_CENSOR,
    },
    serializers: { err: pino.stdSerializers.errWithCause, error: pino.stdSerializers.errWithCause },
  }
  if (options.name !== undefined) pinoOptions.name = options.name
  // pino drops `name` when `base` is null; an empty base keeps the name and still omits pid/hostname.
  if (options.base !== undefined) pinoOptions.base = options.base ?? (options.name !== undefined ? {} : null)

  // Without a destination pino picks its own (a synchronous stdout writer).
  const json = () => (options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions))
  if (!options.pretty) return json()

  const pretty = loadPretty()
  if (!pretty) {
    const logger = json()
    logger.warn('pino-pretty is not installed; logging JSON instead')
    return logger
  }
  const stream = pretty({
    // A caller's stream is usually not a terminal: no colour codes in it.
    ...(options.destination ? { destination: options.destination, colorize: false } : { destination: 1 }),
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  })
  return pino(pinoOptions, stream)
}

/**
 * Create a pino logger with credentials (and, unless `logPromptText`, prompt text) redacted at depth 0..3,
 * the `err` serializer, and optional pretty output.
 *
 * @example
 * ```ts
 * import { createLogger } from '@10xstudent/logger'
 * const log = createLogger({ name: 'api', level: 'debug', redact: ['user.email'] })
 * log.info({ req: { headers: { authorization: 'Bearer x' } } }, 'request') // authorization: "[REDACTED]"
 * ```
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  return buildLogger(options, loadPrettyFactory)
}

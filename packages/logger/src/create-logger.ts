import { type DestinationStream, type LevelWithSilentOrString, type Logger, pino } from 'pino'
import { loadPrettyFactory, type PrettyFactory } from './pretty'
import { createRedactor, REDACT_CENSOR, type Redactor } from './redact'

/** Options of {@link createLogger}. Nothing here is read from the environment. */
export interface CreateLoggerOptions {
  /** Logger name, written as the `name` field. */
  name?: string
  /** Minimum level (`trace` .. `fatal`, or `silent`); default `info`. */
  level?: LevelWithSilentOrString
  /** Human-readable output through pino-pretty (optional dependency); falls back to JSON if it is missing. */
  pretty?: boolean
  /**
   * Extra redaction paths in pino syntax (`user.email`), added to the built-in ones and given to pino's own
   * `redact`. Prefer exact paths: each `*` wildcard costs pino's path redactor time on every line.
   */
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
  const redact = createRedactor({ logPromptText: options.logPromptText ?? false })
  const pinoOptions: pino.LoggerOptions = {
    level: options.level ?? 'info',
    // One pass over each line's object (and the root's `base`), instead of ~150 wildcard `redact` paths.
    // formatters.log runs before the serializers, so `err` still gets the (copied, prototype-kept) Error.
    formatters: { log: redact, bindings: redact },
    serializers: { err: pino.stdSerializers.errWithCause, error: pino.stdSerializers.errWithCause },
  }
  const extra = [...new Set(options.redact ?? [])]
  if (extra.length > 0) pinoOptions.redact = { paths: extra, censor: REDACT_CENSOR }
  if (options.name !== undefined) pinoOptions.name = options.name
  // pino drops `name` when `base` is null; an empty base keeps the name and still omits pid/hostname.
  if (options.base !== undefined) pinoOptions.base = options.base ?? (options.name !== undefined ? {} : null)

  // Without a destination pino picks its own (a synchronous stdout writer).
  const json = () =>
    redactChildren(options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions), redact)
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
  return redactChildren(pino(pinoOptions, stream), redact)
}

/**
 * Censor the bindings of every descendant. pino 10 applies `formatters.bindings` to the root's `base` only:
 * `child()` resets that formatter to the identity for the child. So the root gets own `child` and
 * `setBindings` methods that censor first; descendants are `Object.create(parent)` and inherit them.
 */
function redactChildren(root: Logger, redact: Redactor): Logger {
  const { child, setBindings } = root
  function redactedChild(
    this: Logger,
    bindings: pino.Bindings,
    childOptions?: pino.ChildLoggerOptions,
  ): Logger {
    const log = childOptions?.formatters?.log
    // A child's own formatters.log would replace ours; run it first, then censor its result.
    const options = log
      ? { ...childOptions, formatters: { ...childOptions.formatters, log: (o: object) => redact(log(o)) } }
      : childOptions
    return Reflect.apply(child, this, [redact(bindings), options]) as Logger
  }
  // The generic signature (custom levels) is pino's; the wrapper passes both arguments through unchanged.
  root.child = redactedChild as unknown as typeof child
  root.setBindings = function (this: Logger, bindings) {
    setBindings.call(this, redact(bindings))
  }
  return root
}

/**
 * Create a pino logger with credentials (and, unless `logPromptText`, prompt text) redacted at depth 0..3
 * (keys matched case-insensitively, in one pass per line; child bindings too), the `err` serializer, and
 * optional pretty output.
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

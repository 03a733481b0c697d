import { type Logger, pino } from 'pino'
import { type CreateLoggerOptions, createLogger } from './create-logger'

/**
 * The options of the default logger for an environment. Pure: it reads only what it is given.
 * - `LOG_LEVEL` (default `info`; an unknown level falls back to `info` and is reported in `invalidLevel`).
 * - JSON whenever `NODE_ENV=production`; otherwise pretty when `LOG_PRETTY=1`, or when `NODE_ENV=development`
 *   and stdout is a terminal.
 *
 * @example
 * ```ts
 * defaultLoggerOptions({ LOG_LEVEL: 'debug', NODE_ENV: 'development' }, true) // { level: 'debug', pretty: true }
 * ```
 */
export function defaultLoggerOptions(
  env: Readonly<Record<string, string | undefined>>,
  stdoutIsTTY: boolean,
): CreateLoggerOptions & { invalidLevel?: string } {
  const requested = env.LOG_LEVEL?.trim().toLowerCase()
  const known = requested !== undefined && requested !== '' && isLevel(requested)
  const production = env.NODE_ENV === 'production'
  const pretty = !production && (env.LOG_PRETTY === '1' || (env.NODE_ENV === 'development' && stdoutIsTTY))
  return {
    level: known ? requested : 'info',
    pretty,
    ...(requested && !known ? { invalidLevel: env.LOG_LEVEL } : {}),
  }
}

function isLevel(level: string): boolean {
  return level === 'silent' || Object.hasOwn(pino.levels.values, level)
}

let instance: Logger | undefined

/**
 * The default logger, created on first use. This is the only place `@10xstudent/logger` reads
 * `process.env` (`LOG_LEVEL`, `NODE_ENV`, `LOG_PRETTY`).
 *
 * @example
 * ```ts
 * getDefaultLogger().info('ready')
 * ```
 */
export function getDefaultLogger(): Logger {
  if (!instance) {
    const { invalidLevel, ...options } = defaultLoggerOptions(process.env, process.stdout.isTTY === true)
    instance = createLogger(options)
    if (invalidLevel !== undefined)
      instance.warn({ LOG_LEVEL: invalidLevel }, 'unknown LOG_LEVEL; using info')
  }
  return instance
}

/**
 * The default logger as a value you can import: a lazy proxy, so importing it neither reads the
 * environment nor opens stdout until the first call.
 *
 * @example
 * ```ts
 * import { logger } from '@10xstudent/logger'
 * logger.info({ userId, cost, tokensUsed: totalTokens }, 'Credits deducted')
 * ```
 */
export const logger: Logger = new Proxy({} as Logger, {
  get(_target, property) {
    const real = getDefaultLogger()
    const value = Reflect.get(real, property, real)
    // pino methods rely on `this`; bind them so `const { info } = logger` style calls keep working.
    return typeof value === 'function' ? value.bind(real) : value
  },
  set(_target, property, value) {
    return Reflect.set(getDefaultLogger(), property, value)
  },
  has(_target, property) {
    return Reflect.has(getDefaultLogger(), property)
  },
})

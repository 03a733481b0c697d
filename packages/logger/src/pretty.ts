import { createRequire } from 'node:module'
import type { DestinationStream } from 'pino'

/** What pino-pretty's default export does: build a stream that pretty-prints pino's JSON lines. */
export type PrettyFactory = (options: {
  destination?: DestinationStream | number
  colorize?: boolean
  sync?: boolean
  translateTime?: string
  ignore?: string
}) => DestinationStream

/**
 * Load pino-pretty synchronously, only when asked for (it is an optional dependency and must never be
 * loaded, let alone instantiated, at import time). `createRequire` is the ESM-safe synchronous loader: a
 * dynamic `import()` would make `createLogger` async. Returns `undefined` when the module is missing or broken.
 *
 * @example
 * ```ts
 * const pretty = loadPrettyFactory()
 * const stream = pretty?.({ destination: 1 })
 * ```
 */
export function loadPrettyFactory(specifier = 'pino-pretty'): PrettyFactory | undefined {
  try {
    const mod: unknown = createRequire(import.meta.url)(specifier)
    const factory = typeof mod === 'function' ? mod : (mod as { default?: unknown } | null)?.default
    return typeof factory === 'function' ? (factory as PrettyFactory) : undefined
  } catch {
    return undefined
  }
}

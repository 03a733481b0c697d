import { ConfigError } from './config'

/**
 * The one way the server and demo entries end when start-up fails: a config problem exits 2 with its message
 * (the operator must fix the environment), a busy port exits 1 with a hint, anything else exits 1 with the error.
 *
 * @example
 * ```ts
 * try {
 *   await startServer(loadConfig(process.env), { installSignalHandlers: true })
 * } catch (err) {
 *   exitOnStartError(err)
 * }
 * ```
 */
export function exitOnStartError(err: unknown): never {
  if (err instanceof ConfigError) {
    console.error(err.message)
    process.exit(2)
  }
  if ((err as { code?: string }).code === 'EADDRINUSE') {
    console.error(`Port ${process.env.PORT ?? 3000} is already in use; set PORT to a free port.`)
    process.exit(1)
  }
  console.error(err)
  process.exit(1)
}

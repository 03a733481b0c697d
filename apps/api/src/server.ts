/**
 * Entry point: validate the environment, start the API, shut down gracefully on SIGTERM/SIGINT.
 * `node dist/server.js` (built) or `node --conditions=@10xstudent/source --import tsx src/server.ts`.
 */
import { ConfigError, loadConfig } from './config'
import { startServer } from './runtime'

try {
  const config = loadConfig(process.env)
  await startServer(config, { installSignalHandlers: true })
} catch (err) {
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

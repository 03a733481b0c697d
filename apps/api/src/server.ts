/**
 * Entry point: validate the environment, start the API, shut down gracefully on SIGTERM/SIGINT.
 * `node dist/server.js` (built) or `node --conditions=@10xstudent/source --import tsx src/server.ts`.
 */
import { loadConfig } from './config'
import { startServer } from './runtime'
import { exitOnStartError } from './start-error'

try {
  const config = loadConfig(process.env)
  await startServer(config, { installSignalHandlers: true })
} catch (err) {
  exitOnStartError(err)
}

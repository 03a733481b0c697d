/**
 * Demo entry (`pnpm demo` runs the built `dist/demo.js`): demo mode on, the embedded PGlite database under
 * ./.data unless DATABASE_URL is set, the built web app served at `/`, port 3000 unless PORT. Prints the URL.
 */
import { loadConfig } from './config'
import { startServer } from './runtime'
import { exitOnStartError } from './start-error'

try {
  const config = loadConfig({ DEMO_MODE: '1', ...process.env })
  const server = await startServer(config, { installSignalHandlers: true })
  const model = config.geminiApiKey
    ? 'Gemini (key configured) and the demo model'
    : 'the demo model (no Gemini key)'
  console.log(
    `\n  10xstudent credits demo is running at ${server.url}\n` +
      `  database: ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.pgliteDir}`}\n` +
      `  models:   ${model}\n  Press Ctrl+C to stop.\n`,
  )
} catch (err) {
  exitOnStartError(err)
}

/**
 * Demo entry (`pnpm demo` runs the built `dist/demo.js`): demo mode on, the embedded PGlite database under
 * ./.data unless DATABASE_URL is set, the built web app served at `/`, port 3000 unless PORT. Prints the URL.
 */
import { ConfigError, loadConfig } from './config'
import { startServer } from './runtime'

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

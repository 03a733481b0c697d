import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { WEB_DIR } from './api-process'

/**
 * Vitest global setup: build `apps/web/dist` once so the API under test serves exactly this source.
 * Built in a child process with NODE_ENV=production: inside vitest NODE_ENV is `test`, which would make Vite
 * bundle React's development build. Skipped when the browser suites skip (no database locally).
 */
export default function setup(): void {
  if (!process.env.TEST_DATABASE_URL && !process.env.CI) return
  const viteBin = join(
    dirname(createRequire(`${WEB_DIR}/package.json`).resolve('vite/package.json')),
    'bin/vite.js',
  )
  execFileSync(process.execPath, [viteBin, 'build', '--logLevel', 'warn'], {
    cwd: WEB_DIR,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: 'inherit',
  })
}

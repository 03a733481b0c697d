#!/usr/bin/env node
// `pnpm demo`: build what the demo needs, then start the API with the web app, demo mode on and the embedded
// PGlite database (or PostgreSQL when DATABASE_URL is set; Gemini when GEMINI_API_KEY is set).
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { root } from './published-packages.mjs'

const pnpmSpec = `pnpm@${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1]}`
const apiEntry = join(root, 'apps/api/dist/demo.js')

if (!existsSync(join(root, 'apps/api/package.json'))) {
  console.log('The API app is not in this checkout yet; here is what is:')
  for (const dir of ['domain', 'logger', 'database', 'metering']) {
    const file = join(root, 'packages', dir, 'package.json')
    if (existsSync(file)) {
      const m = JSON.parse(readFileSync(file, 'utf8'))
      console.log(`  ${m.name.padEnd(24)} ${m.description}`)
    }
  }
  process.exit(0)
}

execFileSync(
  'npx',
  ['-y', pnpmSpec, 'turbo', 'run', 'build', '--filter=@10xstudent/api...', '--filter=@10xstudent/web'],
  {
    cwd: root,
    stdio: 'inherit',
  },
)

const child = spawn(process.execPath, [apiEntry], {
  cwd: root,
  stdio: 'inherit',
  env: { DEMO_MODE: '1', WEB_DIST_DIR: join(root, 'apps/web/dist'), ...process.env },
})
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))

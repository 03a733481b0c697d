#!/usr/bin/env node
// `pnpm db:check`: fail when src/schema and the committed drizzle/ migrations disagree.
// Runs `drizzle-kit check` (snapshot consistency) and then `drizzle-kit generate` into a temporary copy of
// drizzle/: if generate writes anything, someone changed the schema without committing a migration.
// Needs no database.
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const committed = join(root, 'drizzle')
const scratch = mkdtempSync(join(tmpdir(), 'db-check-'))
const out = join(scratch, 'drizzle')
// drizzle-kit prefixes paths with './', so hand it a path relative to the package root.
const outArg = relative(root, out)

function kit(args) {
  const result = spawnSync('drizzle-kit', args, {
    cwd: root,
    encoding: 'utf8',
    shell: process.platform === 'win32',
  })
  if (result.error) throw result.error
  return result
}

function listing(dir) {
  return readdirSync(dir, { recursive: true }).map(String).sort()
}

let failed = false
try {
  cpSync(committed, out, { recursive: true })
  const common = ['--dialect', 'postgresql', '--schema', './src/schema/index.ts', '--out', outArg]

  const check = kit(['check', '--dialect', 'postgresql', '--out', outArg])
  if (check.status !== 0) {
    failed = true
    console.error(`drizzle-kit check failed:\n${check.stdout}${check.stderr}`)
  }

  const before = listing(out)
  const generate = kit(['generate', ...common, '--name', 'db_check_probe'])
  if (generate.status !== 0) {
    failed = true
    console.error(`drizzle-kit generate failed:\n${generate.stdout}${generate.stderr}`)
  }
  const added = listing(out).filter((file) => !before.includes(file))
  if (added.length > 0) {
    failed = true
    console.error(
      `The schema in src/schema differs from the committed migrations; drizzle-kit generated:\n  ${added.join('\n  ')}\n` +
        'Run `pnpm --filter @10xstudent/database db:generate` and commit drizzle/.',
    )
  }
} finally {
  rmSync(scratch, { recursive: true, force: true })
}

if (failed) process.exit(1)
console.log('db:check: schema and committed migrations agree')

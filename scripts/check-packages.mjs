#!/usr/bin/env node
// `pnpm check:packages`: pack every published package exactly as `pnpm publish` would (publishConfig applied,
// workspace: ranges replaced) and lint the tarball with publint --strict and arethetypeswrong (ESM-only profile).
// Run after `pnpm build`. Exits non-zero on any error.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { publishedPackages, root } from './published-packages.mjs'

const pnpm = [
  '-y',
  `pnpm@${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1]}`,
]
const out = mkdtempSync(join(tmpdir(), 'check-packages-'))
let failed = false
const rows = []
try {
  const only = process.argv.slice(2)
  for (const pkg of publishedPackages.filter((p) => only.length === 0 || only.includes(p.folder))) {
    execFileSync('npx', [...pnpm, 'pack', '--pack-destination', out], { cwd: pkg.dir, stdio: 'pipe' })
    const tarball = readdirSync(out).find((f) => f.startsWith(pkg.name.replace('@', '').replace('/', '-')))
    if (!tarball) throw new Error(`no tarball for ${pkg.name}`)
    const path = join(out, tarball)
    const bytes = readFileSync(path)

    const { messages, pkg: packed } = await publint({
      pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) },
      strict: true,
      level: 'suggestion',
    })
    const errors = messages.filter((m) => m.type === 'error')
    for (const m of messages) console.log(`  publint ${m.type} ${pkg.name}: ${formatMessage(m, packed)}`)

    let attw = 'ok'
    try {
      execFileSync(
        join(root, 'node_modules/.bin/attw'),
        [path, '--profile', 'esm-only', '--format', 'table-flipped'],
        { stdio: 'pipe' },
      )
    } catch (err) {
      attw = 'problems'
      console.log(String(err.stdout ?? err))
    }
    if (errors.length > 0 || attw !== 'ok') failed = true
    rows.push({
      package: pkg.name,
      tarball: tarball,
      kB: (statSync(path).size / 1024).toFixed(1),
      publint: errors.length ? `${errors.length} error(s)` : `ok (${messages.length} note(s))`,
      attw,
    })
  }
} finally {
  rmSync(out, { recursive: true, force: true })
}
console.table(rows)
if (failed) {
  console.error('check:packages failed')
  process.exit(1)
}
console.log('check:packages: all published packages pass publint --strict and attw (esm-only)')

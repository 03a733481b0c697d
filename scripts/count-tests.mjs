#!/usr/bin/env node
// Sums vitest's "Tests  N passed | M failed | K skipped (T)" summary lines of a CI log and prints one closing
// line, `tests: N passed, M failed, K skipped`, so the whole run has one plain total.
import { readFileSync } from 'node:fs'

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colour codes is the point
const log = readFileSync(process.argv[2], 'utf8').replace(/\u001b\[[0-9;]*m/g, '')
const totals = { passed: 0, failed: 0, skipped: 0 }
let suites = 0
for (const line of log.split('\n')) {
  const m = line.match(/^\S*\s+Tests\s+(.+)\(\d+\)\s*$/)
  if (!m) continue
  suites++
  for (const part of m[1].split('|')) {
    const p = part.trim().match(/^(\d+)\s+(passed|failed|skipped|todo)/)
    if (p && p[2] !== 'todo') totals[p[2]] += Number(p[1])
  }
}
if (suites === 0) {
  console.error('count-tests: no vitest summary found')
  process.exit(1)
}
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`)

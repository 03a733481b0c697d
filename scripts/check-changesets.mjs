#!/usr/bin/env node
// `pnpm check:changesets`: fails when a published package changed on this branch without a changeset.
// Compares against CHANGESET_BASE, else the newest release tag, else the first commit (so on a fresh clone of
// main, every change since the last release must be covered).
// Changes to tests, benchmarks and READMEs alone do not need a changeset.
import { execFileSync } from 'node:child_process'
import { publishedPackages, root } from './published-packages.mjs'

const git = (...args) =>
  execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
const base =
  process.env.CHANGESET_BASE ||
  (() => {
    try {
      return git('describe', '--tags', '--abbrev=0', '--match', '@10xstudent/*')
    } catch {
      return git('rev-list', '--max-parents=0', 'HEAD').split('\n').pop()
    }
  })()

const changed = git('diff', '--name-only', `${base}...HEAD`).split('\n').filter(Boolean)
const added = new Set(
  git('diff', '--name-only', '--diff-filter=A', `${base}...HEAD`)
    .split('\n')
    .filter((f) => /^\.changeset\/.+\.md$/.test(f) && !f.endsWith('README.md')),
)
const ignored = (file) => /\.test\.ts$|\/bench\/|\/test\/|README\.md$|CHANGELOG\.md$/.test(file)

const needing = publishedPackages.filter((p) =>
  changed.some((f) => f.startsWith(`packages/${p.folder}/`) && !ignored(f)),
)
const covered = new Set()
for (const file of added) {
  const text = execFileSync('git', ['show', `HEAD:${file}`], { cwd: root, encoding: 'utf8' })
  for (const p of publishedPackages)
    if (text.includes(`"${p.name}"`) || text.includes(`'${p.name}'`)) covered.add(p.name)
}
const missing = needing.filter((p) => !covered.has(p.name))
if (missing.length) {
  console.error(
    `Published packages changed since ${base.slice(0, 8)} without a changeset: ${missing.map((p) => p.name).join(', ')}`,
  )
  console.error('Run `pnpm changeset`, describe the change, and commit the generated file.')
  process.exit(1)
}
console.log(
  `check:changesets: ${needing.length} changed published package(s), all covered by a changeset since ${base.slice(0, 8)}`,
)

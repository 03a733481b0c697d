#!/usr/bin/env node
// `pnpm test:publish`: a release rehearsal against a throwaway private registry (Verdaccio on loopback).
// 1. start Verdaccio on a free port with temp storage and a temp user (no uplinks);
// 2. version the published packages as a snapshot prerelease, build and publish them under a non-latest tag,
//    then put every file `changeset version` touched back exactly as it was;
// 3. in an empty folder outside the workspace (only our scope points at Verdaccio) install the four packages
//    with npm, type-check a consumer with tsc (NodeNext) and run it: migrate embedded PGlite, create a user,
//    grant credits, meter a demo-model chat through meterStream, print the ledger and assert the balance.
// Everything started is stopped and every temp file removed, also on failure.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { publishedPackages, root } from './published-packages.mjs'

const TAG = 'rehearsal'
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const pnpmSpec = `pnpm@${rootManifest.packageManager.split('@')[1]}`
const catalog = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')
const catalogVersion = (name) => {
  const m = catalog.match(new RegExp(`^\\s+"?${name.replace('/', '\\/')}"?:\\s*(\\S+)`, 'm'))
  if (!m) throw new Error(`${name} not in the catalog`)
  return m[1]
}

const cleanups = []
const cleanup = () => {
  while (cleanups.length) {
    try {
      cleanups.pop()()
    } catch (err) {
      console.error('cleanup step failed:', err)
    }
  }
}
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    cleanup()
    process.exit(130)
  })

function run(cmd, args, opts = {}) {
  console.log(`$ ${cmd} ${args.join(' ')}`)
  return execFileSync(cmd, args, { stdio: 'inherit', ...opts })
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

async function startRegistry() {
  const dir = mkdtempSync(join(tmpdir(), 'verdaccio-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const port = await freePort()
  writeFileSync(
    join(dir, 'config.yaml'),
    [
      `storage: ${join(dir, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${join(dir, 'htpasswd')}`,
      '    max_users: 10',
      'uplinks: {}',
      'packages:',
      "  '@10xstudent/*':",
      '    access: $authenticated',
      '    publish: $authenticated',
      "  '**':",
      '    access: $authenticated',
      '    publish: $authenticated',
      'log: { type: stdout, format: pretty, level: error }',
      '',
    ].join('\n'),
  )
  const child = spawn(
    join(root, 'node_modules/.bin/verdaccio'),
    ['--config', join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  )
  cleanups.push(() => child.kill('SIGTERM'))
  const url = `http://127.0.0.1:${port}/`
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited with ${child.exitCode}`)
    try {
      const res = await fetch(`${url}-/ping`)
      if (res.ok) break
    } catch {}
    await new Promise((r) => setTimeout(r, 200))
  }
  const user = `ci-${process.pid}`
  const res = await fetch(`${url}-/user/org.couchdb.user:${user}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: user, password: `pw-${Math.random().toString(36).slice(2)}` }),
  })
  const { token } = await res.json()
  if (!token) throw new Error('could not create the registry user')
  const npmrc = join(dir, '.npmrc')
  const host = url.replace(/^http:/, '')
  writeFileSync(npmrc, `@10xstudent:registry=${url}\n${host}:_authToken=${token}\n`)
  return { url, host, token, npmrc }
}

/** Snapshot-version the packages, remembering every file `changeset version` may touch. */
function snapshotVersion() {
  const touched = [
    ...readdirSync(join(root, '.changeset')).map((f) => join(root, '.changeset', f)),
    ...publishedPackages.flatMap((p) => [join(p.dir, 'package.json'), join(p.dir, 'CHANGELOG.md')]),
  ]
  const saved = new Map(touched.map((f) => [f, existsSync(f) ? readFileSync(f) : null]))
  const tempChangeset = join(root, '.changeset', `rehearsal-${process.pid}.md`)
  cleanups.push(() => {
    for (const f of readdirSync(join(root, '.changeset')).map((f) => join(root, '.changeset', f))) {
      if (!saved.has(f)) rmSync(f, { force: true })
    }
    for (const [f, content] of saved) {
      if (content === null) rmSync(f, { force: true })
      else writeFileSync(f, content)
    }
    console.log('restored the files changeset version touched')
  })
  // A changeset that bumps every published package, so the snapshot always has something to version.
  writeFileSync(
    tempChangeset,
    `---\n${publishedPackages.map((p) => `"${p.name}": patch`).join('\n')}\n---\n\nRelease rehearsal.\n`,
  )
  run(join(root, 'node_modules/.bin/changeset'), ['version', '--snapshot', TAG], { cwd: root })
  return publishedPackages.map((p) => ({
    ...p,
    version: JSON.parse(readFileSync(join(p.dir, 'package.json'), 'utf8')).version,
  }))
}

async function main() {
  const registry = await startRegistry()
  console.log(`registry: ${registry.url}`)
  const versions = snapshotVersion()
  run(
    'npx',
    ['-y', pnpmSpec, 'turbo', 'run', 'build', '--force', ...versions.flatMap((p) => ['--filter', p.name])],
    { cwd: root },
  )
  for (const p of versions) {
    run('npx', ['-y', pnpmSpec, 'publish', '--tag', TAG, '--registry', registry.url, '--no-git-checks'], {
      cwd: p.dir,
      env: { ...process.env, npm_config_userconfig: registry.npmrc },
    })
  }

  const consumer = mkdtempSync(join(tmpdir(), 'consumer-'))
  cleanups.push(() => rmSync(consumer, { recursive: true, force: true }))
  writeFileSync(join(consumer, '.npmrc'), readFileSync(registry.npmrc))
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2),
  )
  mkdirSync(join(consumer, 'src'))
  writeFileSync(join(consumer, 'src/main.ts'), readFileSync(join(root, 'scripts/consumer/main.ts')))
  writeFileSync(
    join(consumer, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        rootDir: 'src',
        outDir: 'dist',
        skipLibCheck: true,
        types: ['node'],
      },
      include: ['src'],
    }),
  )
  run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      ...versions.map((p) => `${p.name}@${p.version}`),
      `@tanstack/ai@${catalogVersion('@tanstack/ai')}`,
      `typescript@${catalogVersion('typescript')}`,
      `@types/node@${catalogVersion('@types/node')}`,
    ],
    { cwd: consumer, env: { ...process.env, npm_config_userconfig: join(consumer, '.npmrc') } },
  )
  run(join(consumer, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: consumer })
  run('node', ['dist/main.js'], { cwd: consumer })
  console.log(
    `test:publish passed: ${versions.map((p) => `${p.name}@${p.version}`).join(', ')} installed from the rehearsal registry`,
  )
}

try {
  await main()
} catch (err) {
  console.error('test:publish failed:', err?.message ?? err)
  process.exitCode = 1
} finally {
  cleanup()
}

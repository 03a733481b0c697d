#!/usr/bin/env node
// `pnpm bench`: runs every benchmark of the repo (each `apps/*/bench/*.bench.ts` and `packages/*/bench/*.bench.ts`)
// one after the other, from source (tsx with the `@10xstudent/source` condition, so no build is needed), prints ONE
// table (figure, arms, medians, comparison, target, result) and writes it as JSON to `bench-results.json`
// (git-ignored; `--out FILE` to change it).
//
// A benchmark reports to this script by printing a final line `BENCH_JSON {"bench", "command", "node", "rows": [
// { figure, arms: [..], medians: [..], unit, comparison, target, pass: true | false | null, note? }]}` after its
// own human table; a benchmark without that line counts as failed.
//
// Env: TEST_DATABASE_URL or DATABASE_URL (PostgreSQL for the database and API benches; each bench creates and
// drops its own databases; default postgres://postgres@127.0.0.1:5432/test), BENCH_SECONDS (database bench,
// seconds per arm per round; default 4 here so the whole run stays well under 10 minutes on 2 cores).
// `--only NAME[,NAME]` runs some benches (names: database, logger, metering, api). The metering bench runs with `--quick`
// (fewer interleaved rounds, same arms) unless `--full` is given.
import { spawn } from 'node:child_process'
import { readdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const option = (name) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const outFile = resolve(root, option('--out') ?? 'bench-results.json')
const only = option('--only')?.split(',')
/** Extra arguments per bench: fewer rounds where the standalone default alone would take minutes. */
const benchArgs = args.includes('--full') ? {} : { metering: ['--quick'] }

const DEFAULT_DB = 'postgres://postgres@127.0.0.1:5432/test'
const databaseUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || DEFAULT_DB
if (!process.env.TEST_DATABASE_URL && !process.env.DATABASE_URL)
  console.error(`TEST_DATABASE_URL is not set: using ${DEFAULT_DB}`)

/** Every bench program: `<workspace>/bench/*.bench.ts`, database first (it needs the quietest machine). */
function discover() {
  const found = []
  for (const group of ['packages', 'apps']) {
    for (const pkg of readdirSync(join(root, group), { withFileTypes: true })) {
      if (!pkg.isDirectory()) continue
      const dir = join(root, group, pkg.name)
      let files = []
      try {
        files = readdirSync(join(dir, 'bench')).filter((f) => f.endsWith('.bench.ts'))
      } catch {
        continue
      }
      for (const file of files) found.push({ name: pkg.name, dir, file: join('bench', file) })
    }
  }
  const order = ['database', 'metering']
  const rank = (b) => (order.includes(b.name) ? order.indexOf(b.name) : order.length)
  return found.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))
}

function run(bench) {
  return new Promise((resolve) => {
    const started = Date.now()
    const child = spawn(
      process.execPath,
      [
        '--conditions=@10xstudent/source',
        '--import',
        'tsx',
        '--expose-gc',
        bench.file,
        ...(benchArgs[bench.name] ?? []),
      ],
      {
        cwd: bench.dir,
        env: {
          ...process.env,
          TEST_DATABASE_URL: databaseUrl,
          BENCH_SECONDS: process.env.BENCH_SECONDS ?? '4',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    // Progress lines go straight through, tagged, so a long run shows it is alive.
    child.stderr.on('data', (d) => {
      stderr += d
      for (const line of String(d).split('\n'))
        if (line.trim()) process.stderr.write(`  [${bench.name}] ${line}\n`)
    })
    child.on('close', (code) => resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 }))
  })
}

const fmt = (x) =>
  typeof x !== 'number'
    ? String(x)
    : !Number.isFinite(x)
      ? '-'
      : Math.abs(x) >= 100
        ? x.toFixed(0)
        : Math.abs(x) >= 10
          ? x.toFixed(1)
          : x.toFixed(2)

/** Rows from the bench's final BENCH_JSON line (none if it printed none). */
function parse(name, stdout) {
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('BENCH_JSON '))
  if (!line) return []
  const report = JSON.parse(line.slice('BENCH_JSON '.length))
  return report.rows.map((r) => ({
    bench: name,
    figure: r.figure,
    arms: r.arms.join(' / '),
    medians: `${r.medians.map(fmt).join(' / ')} ${r.unit ?? ''}`.trim(),
    comparison: r.comparison,
    target: r.target,
    result: r.pass === null ? 'context' : r.pass ? 'pass' : 'MISS',
    ...(r.note ? { note: r.note } : {}),
  }))
}

const started = Date.now()
const benches = discover().filter((b) => !only || only.includes(b.name))
const machine = `node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load average ${loadavg()
  .map((l) => l.toFixed(1))
  .join(' ')} at start`
console.error(`pnpm bench: ${benches.map((b) => `${b.name}/${basename(b.file)}`).join(', ')}; ${machine}`)

const results = []
let failed = 0
for (const bench of benches) {
  console.error(`\n> ${relative(root, join(bench.dir, bench.file))}`)
  const r = await run(bench)
  const rows = r.code === 0 ? parse(bench.name, r.stdout) : []
  if (r.code !== 0 || rows.length === 0) {
    failed++
    console.error(
      `  [${bench.name}] FAILED (exit ${r.code}, ${rows.length} rows from its BENCH_JSON line)\n${r.stdout.slice(-2000)}`,
    )
  }
  console.error(`  [${bench.name}] ${r.seconds.toFixed(0)} s`)
  results.push({
    name: bench.name,
    file: relative(root, join(bench.dir, bench.file)),
    seconds: r.seconds,
    exitCode: r.code,
    rows,
  })
}

const rows = results.flatMap((r) => r.rows)
const table = [
  '| bench | figure | arms | medians | comparison | target | result |',
  '|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.bench} | ${r.figure} | ${r.arms} | ${r.medians} | ${r.comparison} | ${r.target} | ${r.result} |`,
  ),
].join('\n')
const notes = rows.filter((r) => r.note).map((r) => `- ${r.bench}, ${r.figure}: ${r.note}`)
const seconds = (Date.now() - started) / 1000
console.log(
  `\n${machine}; ${seconds.toFixed(0)} s in all\n\n${table}\n${notes.length ? `\n${notes.join('\n')}\n` : ''}`,
)
const pass = rows.filter((r) => r.result === 'pass').length
const miss = rows.filter((r) => r.result === 'MISS').length
console.log(
  `${pass} passed, ${miss} missed, ${rows.length - pass - miss} for context${failed ? `; ${failed} bench(es) FAILED to run` : ''}`,
)

writeFileSync(
  outFile,
  `${JSON.stringify({ date: new Date().toISOString(), machine, seconds, benches: results.map(({ rows: _, ...b }) => b), rows }, null, 2)}\n`,
)
console.log(`written to ${relative(root, outFile)}`)
process.exit(failed ? 1 : 0)

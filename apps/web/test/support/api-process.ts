import { type ChildProcess, spawn } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** apps/web */
export const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
/** apps/api: the browser tests run the real API process from source (tsx + the workspace source condition). */
export const API_DIR = resolve(WEB_DIR, '../api')

export interface ApiProcess {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string
  /** Every log line the process printed (JSON), for diagnosing a failure. */
  logs: string[]
  /** SIGTERM (graceful shutdown settles open streams), then SIGKILL after a deadline. Idempotent. */
  stop(): Promise<void>
}

/**
 * Start `apps/api` as a child process on a free port and resolve once it logs "API listening".
 * `env` is merged over a demo-mode configuration; the parent's environment is not inherited beyond PATH/HOME so
 * a developer's `.env` or `GEMINI_API_KEY` cannot change what the tests exercise.
 *
 * @example
 * ```ts
 * const api = await startApi({ DATABASE_URL: testDb.url, STARTING_CREDITS: '3' })
 * await api.stop()
 * ```
 */
export async function startApi(env: Record<string, string>, timeoutMs = 60_000): Promise<ApiProcess> {
  const child = spawn(
    process.execPath,
    ['--conditions=@10xstudent/source', '--import', 'tsx', 'src/server.ts'],
    {
      cwd: API_DIR,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: '0',
        DEMO_MODE: '1',
        LOG_LEVEL: 'info',
        WEB_DIST_DIR: resolve(WEB_DIR, 'dist'),
        SWEEP_INTERVAL_MS: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const logs: string[] = []
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))

  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`API did not start within ${timeoutMs} ms:\n${logs.slice(-20).join('\n')}`))
    }, timeoutMs)
    const onLine = (line: string) => {
      logs.push(line)
      if (!line.includes('API listening')) return
      try {
        const parsed = JSON.parse(line) as { url?: string }
        if (parsed.url) {
          clearTimeout(timer)
          resolveUrl(parsed.url)
        }
      } catch {
        // not JSON: keep waiting
      }
    }
    createInterface({ input: child.stdout! }).on('line', onLine)
    createInterface({ input: child.stderr! }).on('line', (line) => logs.push(line))
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`API exited with code ${code} before listening:\n${logs.slice(-20).join('\n')}`))
    })
  })

  let stopping: Promise<void> | undefined
  return {
    url,
    logs,
    stop: () => {
      stopping ??= stopChild(child, exited)
      return stopping
    },
  }
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null) return
  child.kill('SIGTERM')
  const killed = await Promise.race([
    exited.then(() => true),
    new Promise((r) => setTimeout(() => r(false), 15_000)),
  ])
  if (!killed) {
    child.kill('SIGKILL')
    await exited
  }
}

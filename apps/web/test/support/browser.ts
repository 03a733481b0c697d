import { mkdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { WEB_DIR } from './api-process'

/** Debian's chromium (the `chromium` apt package); nothing downloads a browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** The flags DESIGN.md fixes for every browser test (headless is added by Playwright itself). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

/**
 * Chromium reports every non-2xx fetch as a console error ("Failed to load resource: ... 402"). Those are the
 * network log, not script errors, and the 402 is the behaviour under test; anything else fails the test.
 */
const EXPECTED_NETWORK_LOG = /^Failed to load resource: the server responded with a status of 402/

export interface BrowserSession {
  context: BrowserContext
  page: Page
  /** Console errors and uncaught page errors seen so far (expected 402 network lines excluded). */
  errors: string[]
  /** Save a full-page screenshot as `apps/web/artifacts/<suite>/<NN>-<name>.png`. */
  shot(name: string): Promise<string>
  close(): Promise<void>
}

/**
 * Launch headless Chromium with a fresh profile (a new temporary user-data-dir) and open one page.
 *
 * @example
 * ```ts
 * const session = await openBrowser('chat')
 * await session.page.goto(api.url)
 * ```
 */
export async function openBrowser(
  suite: string,
  viewport: { width: number; height: number } = { width: 1280, height: 860 },
): Promise<BrowserSession> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'web-e2e-profile-'))
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    deviceScaleFactor: 1,
    reducedMotion: 'reduce',
  })
  const page = context.pages()[0] ?? (await context.newPage())
  const errors: string[] = []
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !EXPECTED_NETWORK_LOG.test(msg.text())) errors.push(msg.text())
  })
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`))

  const dir = resolve(WEB_DIR, 'artifacts', suite)
  mkdirSync(dir, { recursive: true })
  let step = 0
  return {
    context,
    page,
    errors,
    async shot(name) {
      step += 1
      const path = join(dir, `${String(step).padStart(2, '0')}-${name}.png`)
      await page.screenshot({ path, fullPage: true })
      return path
    },
    async close() {
      await context.close()
      await rm(userDataDir, { recursive: true, force: true })
    },
  }
}

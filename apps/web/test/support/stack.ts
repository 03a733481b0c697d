import { afterAll, beforeAll } from 'vitest'
import { type ApiProcess, startApi } from './api-process'
import { type BrowserSession, openBrowser } from './browser'
import { baseDatabaseUrl, type OpenTestDatabase, openTestDatabase } from './database'

/** What one browser test file runs against: its own database, an API process on it, and Chromium. */
export interface E2eStack {
  db: OpenTestDatabase
  api: ApiProcess
  browser: BrowserSession
}

/**
 * Register the `beforeAll`/`afterAll` of one browser test file: a fresh migrated database, the real API process
 * on it (`DATABASE_URL` set, plus `apiEnv`), and a Chromium session whose screenshots go under `suite`. The
 * returned object is filled in by `beforeAll`, so read its fields inside tests only. Teardown runs in reverse
 * order and tolerates a setup that failed half-way.
 *
 * @example
 * ```ts
 * describe.skipIf(!baseDatabaseUrl)('chat', () => {
 *   const stack = useE2eStack('chat', { STARTING_CREDITS: '100' })
 *   it('loads', async () => {
 *     await stack.browser.page.goto(stack.api.url)
 *   })
 * })
 * ```
 */
export function useE2eStack(suite: string, apiEnv: Record<string, string>): E2eStack {
  const stack = {} as Partial<E2eStack>

  beforeAll(async () => {
    stack.db = await openTestDatabase(baseDatabaseUrl as string)
    stack.api = await startApi({ DATABASE_URL: stack.db.url, ...apiEnv })
    stack.browser = await openBrowser(suite)
  })

  afterAll(async () => {
    await stack.browser?.close()
    await stack.api?.stop()
    await stack.db?.close()
  })

  return stack as E2eStack
}

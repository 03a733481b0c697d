/**
 * Regenerate the README screenshots (`docs/screenshots/chat.png` and `usage.png`) from the real app: builds
 * apps/web, starts the API in demo mode on a throwaway PostgreSQL database, chats in Chromium, and captures the
 * viewport. Needs TEST_DATABASE_URL and /usr/bin/chromium.
 *
 *   pnpm --filter @10xstudent/web screenshots
 */
import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { startApi, WEB_DIR } from '../test/support/api-process'
import { ids, typeAndSend, waitForBadge } from '../test/support/app-page'
import { openBrowser } from '../test/support/browser'
import buildWeb from '../test/support/build-web'
import { baseDatabaseUrl, openTestDatabase } from '../test/support/database'

const OUT = resolve(WEB_DIR, '../../docs/screenshots')

if (!baseDatabaseUrl) throw new Error('Set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)')
buildWeb()
const db = await openTestDatabase(baseDatabaseUrl)
const api = await startApi({ DATABASE_URL: db.url, DEMO_CHUNK_DELAY_MS: '25' })
const browser = await openBrowser('readme', { width: 1200, height: 1080 })
try {
  const { page } = browser
  await page.goto(api.url)
  await waitForBadge(page)
  // A markdown answer, then a search: the demo model calls the charged web_search tool and quotes its results.
  for (const text of ['What does one credit buy me?', 'Search for prompt caching']) {
    await typeAndSend(page, text)
    await page.locator(ids.turn).last().locator(ids.chip).waitFor({ timeout: 20_000 })
    await page.waitForSelector(ids.send)
  }
  // The demo model's default answer opens with a plain sentence, so stopping early leaves clean text.
  await typeAndSend(page, 'Write me a long essay, please')
  await page.waitForFunction(
    (sel) => (document.querySelectorAll(sel)[2]?.textContent?.length ?? 0) > 40,
    '[data-testid="assistant-message"]',
  )
  await page.keyboard.press('Escape')
  await page.locator(ids.turn).nth(2).locator(ids.chip).waitFor({ timeout: 20_000 })
  await page.locator('[data-testid="notice-stopped"]').waitFor()
  await page.locator(ids.input).blur()
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight))
  await page.screenshot({ path: `${OUT}/chat.png` })

  await page.getByRole('link', { name: 'Usage' }).click()
  await page.waitForSelector('[data-testid="chart-credits-bar"]')
  await page.waitForSelector('[data-testid="ledger-table"]')
  await page.screenshot({ path: `${OUT}/usage.png` })
  for (const name of ['chat', 'usage']) {
    console.log(`${OUT}/${name}.png ${Math.round(statSync(`${OUT}/${name}.png`).size / 1024)} KB`)
  }
  if (browser.errors.length > 0) throw new Error(`console errors: ${browser.errors.join('\n')}`)
} finally {
  await browser.close()
  await api.stop()
  await db.close()
}

import { describe, expect, it } from 'vitest'
import {
  chipOf,
  ids,
  readBadge,
  sessionUserId,
  typeAndSend,
  waitForBadge,
  waitForBadgeValue,
} from './support/app-page'
import { baseDatabaseUrl } from './support/database'
import { useE2eStack } from './support/stack'

const STARTING_CREDITS = 100

/** Text of the n-th assistant reply. */
const replyText = (n: number) =>
  `document.querySelectorAll('[data-testid="assistant-turn"]')[${n}]?.querySelector('[data-testid="assistant-message"]')?.textContent ?? ''`

describe.skipIf(!baseDatabaseUrl)('chat in Chromium against the real API and PostgreSQL', () => {
  // 40 ms per token: the demo reply takes over a second, long enough to watch it stream and to stop it.
  const stack = useE2eStack('chat', {
    STARTING_CREDITS: String(STARTING_CREDITS),
    DEMO_CHUNK_DELAY_MS: '40',
  })
  let userId: string
  const charges: number[] = []

  it('a new visitor sends a message, watches it stream, and the badge drops by exactly the charge the chip and the ledger show', async () => {
    const { page } = stack.browser
    await page.goto(stack.api.url)
    const before = await waitForBadge(page)
    expect(before).toBe(STARTING_CREDITS)
    await page.getByRole('heading', { name: 'Chat with a live credit meter' }).waitFor()
    await page.getByText('Demo model (offline) — demo model').waitFor({ state: 'attached' })
    userId = await sessionUserId(page)
    await stack.browser.shot('new-visitor')

    await typeAndSend(page, 'Hello! What does one credit buy?')
    await page.waitForSelector(ids.stop)
    await page.waitForSelector('[data-testid="credit-inflight"]')
    await page.waitForFunction(`(${replyText(0)}).length > 10`)
    const partial = String(await page.evaluate(replyText(0)))
    await stack.browser.shot('streaming')

    const chip = await chipOf(page, 0)
    const full = String(await page.evaluate(replyText(0)))
    expect(full.length).toBeGreaterThan(partial.length)
    expect(full.startsWith(partial.slice(0, 10))).toBe(true)
    expect(chip).toMatchObject({ estimated: false, finishReason: 'stop' })
    expect(chip.charged).toBeGreaterThan(0)
    expect(chip.text).toMatch(/tokens/)

    await waitForBadgeValue(page, before - chip.charged)
    expect(await page.locator('[data-testid="credit-inflight"]').count()).toBe(0)
    const [settle, ...rest] = await stack.db.charges(userId)
    expect(settle).toMatchObject({ kind: 'settle', finishReason: 'stop', estimated: false })
    const ledgerCharge = [settle, ...rest]
      .filter((r) => r?.runId === settle?.runId)
      .reduce((n, r) => n + (r?.cost ?? 0), 0)
    expect(ledgerCharge).toBe(chip.charged)
    expect(await stack.db.balance(userId)).toBe(before - chip.charged)
    charges.push(chip.charged)
    await stack.browser.shot('settled')
    expect(stack.browser.errors).toEqual([])
  })

  it('stopping mid-reply bills an estimated charge, recorded as aborted in the ledger', async () => {
    const { page } = stack.browser
    const before = await readBadge(page)
    await typeAndSend(page, 'Now tell me a long story about ledgers.')
    await page.waitForFunction(`(${replyText(1)}).length > 5`)
    // Escape stops the reply from the keyboard, like the Stop button.
    await page.keyboard.press('Escape')
    await page.waitForSelector(ids.send)
    const stoppedAt = await page.evaluate(replyText(1))
    await stack.browser.shot('stopped')

    const chip = await chipOf(page, 1)
    expect(chip).toMatchObject({ estimated: true, finishReason: 'aborted' })
    expect(chip.text).toContain('estimated')
    await page.locator('[data-testid="notice-stopped"]').waitFor()
    // Nothing more arrives after the stop.
    expect(await page.evaluate(replyText(1))).toBe(stoppedAt)

    await waitForBadgeValue(page, before - chip.charged)
    const [settle] = await stack.db.charges(userId)
    expect(settle).toMatchObject({
      kind: 'settle',
      finishReason: 'aborted',
      estimated: true,
      cost: chip.charged,
    })
    expect(await stack.db.balance(userId)).toBe(before - chip.charged)
    charges.push(chip.charged)
    await stack.browser.shot('stopped-settled')
    expect(stack.browser.errors).toEqual([])
  })

  it('the usage page lists the ledger entries and draws the per-day charts', async () => {
    const { page } = stack.browser
    await page.getByRole('link', { name: 'Usage' }).click()
    await page.waitForSelector('[data-testid="ledger-table"]')
    const kinds = await page
      .locator('[data-testid="ledger-row"]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind')))
    // newest first: two replies (hold then settle each) after the opening grant
    expect(kinds.filter((k) => k === 'settle')).toHaveLength(2)
    expect(kinds.filter((k) => k === 'hold')).toHaveLength(2)
    expect(kinds.at(-1)).toBe('grant')
    await expect(page.locator('[data-testid="ledger-table"]').textContent()).resolves.toMatch(/estimated/)

    const total = charges.reduce((a, b) => a + b, 0)
    await page.waitForFunction(
      (t) => document.querySelector('[data-testid="total-credits"]')?.textContent === String(t),
      total,
    )
    expect(await page.locator('[data-testid="chart-credits-bar"]').count()).toBe(1)
    expect(await page.locator('[data-testid="chart-tokens-bar"]').count()).toBe(1)
    const label = await page.locator('[data-testid="chart-credits"]').getAttribute('aria-label')
    expect(label).toMatch(new RegExp(`Credits per day: \\w+ \\d+ ${total}$`))
    await stack.browser.shot('usage')
    expect(stack.browser.errors).toEqual([])
  })

  it('stays readable at phone width: no horizontal page scroll on either page', async () => {
    const { page } = stack.browser
    await page.setViewportSize({ width: 390, height: 844 })
    for (const hash of ['#/usage', '#/']) {
      await page.goto(`${stack.api.url}/${hash}`)
      await page.waitForSelector(ids.badge)
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      )
      expect(overflow).toBeLessThanOrEqual(0)
      await stack.browser.shot(`phone-${hash === '#/' ? 'chat' : 'usage'}`)
    }
    expect(stack.browser.errors).toEqual([])
  })

  it('replaces a stale key in local storage with a new demo session', async () => {
    const { page } = stack.browser
    await page.evaluate(() =>
      window.localStorage.setItem(
        '10xstudent.session',
        JSON.stringify({ userId: 'demo_gone', apiKey: 'sk_10x_revoked_or_reset', demo: true }),
      ),
    )
    await page.reload()
    await page.waitForFunction(() => !window.localStorage.getItem('10xstudent.session')?.includes('revoked'))
    expect(await waitForBadge(page)).toBe(STARTING_CREDITS)
    const fresh = await sessionUserId(page)
    expect(fresh).not.toBe(userId)
    expect(fresh).not.toBe('demo_gone')
    // The refused key shows up once as a 401 in Chromium's network log; nothing else may.
    expect(stack.browser.errors.filter((e) => !/status of 401/.test(e))).toEqual([])
  })
})

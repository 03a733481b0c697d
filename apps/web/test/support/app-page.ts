import type { Page } from 'playwright-core'

/** The `data-testid` hooks of the app, in one place. */
export const ids = {
  badge: '[data-testid="credit-badge"]',
  balance: '[data-testid="credit-balance"]',
  input: '[data-testid="chat-input"]',
  send: '[data-testid="send-button"]',
  stop: '[data-testid="stop-button"]',
  turn: '[data-testid="assistant-turn"]',
  chip: '[data-testid="usage-chip"]',
  insufficient: '[data-testid="insufficient-credits"]',
} as const

/** Wait for the demo session and the first balance, then return the balance the badge shows. */
export async function waitForBadge(page: Page): Promise<number> {
  await page.waitForSelector(ids.badge, { timeout: 20_000 })
  return readBadge(page)
}

/** The balance the badge shows (from its data attribute, so formatting cannot skew the comparison). */
export async function readBadge(page: Page): Promise<number> {
  return Number(await page.getAttribute(ids.badge, 'data-balance'))
}

/** Wait until the badge shows `expected` (it updates from the stream's credits chunk or a refetch). */
export async function waitForBadgeValue(page: Page, expected: number): Promise<void> {
  await page.waitForFunction(
    ([sel, value]) => document.querySelector(sel as string)?.getAttribute('data-balance') === String(value),
    [ids.badge, expected] as const,
    { timeout: 15_000 },
  )
}

/** The user id of the demo session the app stored. */
export async function sessionUserId(page: Page): Promise<string> {
  const raw = await page.evaluate(() => window.localStorage.getItem('10xstudent.session'))
  const parsed = JSON.parse(raw ?? '{}') as { userId?: string }
  if (!parsed.userId) throw new Error(`no demo session in local storage: ${raw}`)
  return parsed.userId
}

/** Type a message with the keyboard and press Enter, as a user would. */
export async function typeAndSend(page: Page, text: string): Promise<void> {
  await page.click(ids.input)
  await page.keyboard.type(text)
  await page.keyboard.press('Enter')
}

/** The n-th (0-based) assistant turn's usage chip, once settled. */
export async function chipOf(page: Page, turn: number) {
  const chip = page.locator(ids.turn).nth(turn).locator(ids.chip)
  await chip.waitFor({ timeout: 20_000 })
  return {
    charged: Number(await chip.getAttribute('data-charged')),
    estimated: (await chip.getAttribute('data-estimated')) === 'true',
    finishReason: await chip.getAttribute('data-finish-reason'),
    text: ((await chip.textContent()) ?? '').replace(/\s+/g, ' '),
  }
}

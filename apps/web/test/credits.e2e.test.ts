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

// A visitor starting with 3 credits is below the low-credit threshold (10) at once and runs out within a few
// replies: the demo reply costs 1 credit, and a reservation needs the prompt plus 256 output tokens (> 1 credit).
const STARTING_CREDITS = 3
const TOP_UP = 50

describe.skipIf(!baseDatabaseUrl)('running out of credits in Chromium against the real API', () => {
  const stack = useE2eStack('credits', {
    STARTING_CREDITS: String(STARTING_CREDITS),
    LOW_CREDIT_THRESHOLD: '10',
    DEMO_TOP_UP_CREDITS: String(TOP_UP),
    DEMO_CHUNK_DELAY_MS: '5',
  })

  it('warns about low credits, shows the 402 panel with required and available credits, and a top-up restores sending', async () => {
    const { page } = stack.browser
    await page.goto(stack.api.url)
    expect(await waitForBadge(page)).toBe(STARTING_CREDITS)
    expect(await page.getAttribute(ids.badge, 'data-low')).toBe('true')
    await page.locator(ids.badge).getByText('Low credits').waitFor()
    const userId = await sessionUserId(page)
    await stack.browser.shot('low-credits')

    // Spend until the API refuses: each accepted reply settles before the next message is typed.
    let sent = 0
    let message = ''
    for (; sent < 6; sent++) {
      message = `Message number ${sent + 1}`
      await typeAndSend(page, message)
      const outcome = await Promise.race([
        page
          .locator(ids.turn)
          .nth(sent)
          .locator(ids.chip)
          .waitFor({ timeout: 20_000 })
          .then(() => 'replied' as const),
        page
          .locator(ids.insufficient)
          .waitFor({ timeout: 20_000 })
          .then(() => 'refused' as const),
      ])
      if (outcome === 'refused') break
      await page.waitForSelector(ids.send)
    }
    await stack.browser.shot('spent')
    expect(sent).toBeGreaterThan(0)
    expect(sent).toBeLessThan(6)

    const panel = page.locator(ids.insufficient)
    await panel.waitFor()
    const required = Number(
      (await panel.locator('[data-testid="required-credits"]').textContent())?.split(' ')[0],
    )
    const available = Number(
      (await panel.locator('[data-testid="available-credits"]').textContent())?.split(' ')[0],
    )
    const balance = await stack.db.balance(userId)
    expect(available).toBe(balance)
    expect(required).toBeGreaterThan(available)
    // The refused message was not sent or charged: no turn for it, its text is back in the box, nothing billed.
    await page.waitForFunction(
      ([turnSel, inputSel, n, text]) =>
        document.querySelectorAll(turnSel as string).length === n &&
        (document.querySelector(inputSel as string) as HTMLTextAreaElement | null)?.value === text,
      [ids.turn, ids.input, sent, message] as const,
    )
    expect((await stack.db.charges(userId)).filter((r) => r.kind === 'settle')).toHaveLength(sent)
    await waitForBadgeValue(page, balance)
    // Focus moves to the panel so keyboard users land on the explanation.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('insufficient-title')
    await stack.browser.shot('insufficient-credits')

    await panel.getByRole('button', { name: 'Top up (demo)' }).click()
    await page.locator('[data-testid="topup-toast"]').waitFor()
    await waitForBadgeValue(page, balance + TOP_UP)
    expect(await stack.db.balance(userId)).toBe(balance + TOP_UP)
    expect(await page.getAttribute(ids.badge, 'data-low')).toBe('false')
    expect(await page.locator(ids.insufficient).count()).toBe(0)
    await stack.browser.shot('topped-up')

    // Sending works again, from the keyboard: focus is back in the message box with the text restored.
    await page.keyboard.press('Enter')
    const chip = await chipOf(page, sent)
    expect(chip.finishReason).toBe('stop')
    await waitForBadgeValue(page, balance + TOP_UP - chip.charged)
    expect(await readBadge(page)).toBe(await stack.db.balance(userId))
    await stack.browser.shot('sending-again')
    expect(stack.browser.errors).toEqual([])
  })
})

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

describe.skipIf(!baseDatabaseUrl)('tool calls and markdown from the demo model in Chromium', () => {
  const stack = useE2eStack('tools', {
    STARTING_CREDITS: String(STARTING_CREDITS),
    DEMO_CHUNK_DELAY_MS: '5',
  })
  let userId: string

  it('"search for prompt caching" shows a charged web_search card, and the badge drops by the reply plus the search', async () => {
    const { page } = stack.browser
    await page.goto(stack.api.url)
    expect(await waitForBadge(page)).toBe(STARTING_CREDITS)
    userId = await sessionUserId(page)

    await typeAndSend(page, 'search for prompt caching')
    const reply = page.locator(ids.turn).nth(0)
    const card = reply.locator('[data-testid="tool-call"][data-tool="web_search"]')
    await card.waitFor()
    const chip = await chipOf(page, 0)
    expect(chip).toMatchObject({ estimated: false, finishReason: 'stop' })
    const cardText = ((await card.textContent()) ?? '').replace(/\s+/g, ' ')
    expect(cardText).toContain('Web search')
    expect(cardText).toContain('“prompt caching”')
    expect(cardText).toContain('2 results')
    expect(cardText).toContain('charged 1 credit')

    // The answer quotes the tool result as markdown: a numbered list of bold links.
    const message = reply.locator('[data-testid="assistant-message"]')
    await expect(message.textContent()).resolves.toContain('I searched the web for prompt caching')
    expect(await message.locator('ol > li').count()).toBe(2)
    expect(
      await message.locator('strong a[href="https://ai.google.dev/gemini-api/docs/caching"]').textContent(),
    ).toBe('Prompt caching: reuse a long prompt prefix')
    await stack.browser.shot('web-search')

    // The chip shows the reply's own charge; the card's search credit is billed on top, in its own ledger row.
    await waitForBadgeValue(page, STARTING_CREDITS - chip.charged - 1)
    const rows = await stack.db.charges(userId)
    const settle = rows.find((r) => r.kind === 'settle')
    const search = rows.filter((r) => r.operation === 'web_search')
    expect(settle).toMatchObject({ finishReason: 'stop', estimated: false, cost: chip.charged })
    expect(search).toEqual([expect.objectContaining({ kind: 'charge', cost: 1, runId: settle?.runId })])
    expect(rows).toHaveLength(2)
    expect(await stack.db.balance(userId)).toBe(STARTING_CREDITS - chip.charged - 1)
    expect(stack.browser.errors).toEqual([])
  })

  it('a plain question gets a markdown answer (bold, list, code block) with no tool card and no tool charge', async () => {
    const { page } = stack.browser
    const before = await readBadge(page)
    await typeAndSend(page, 'How does billing work?')
    const chip = await chipOf(page, 1)
    expect(chip.finishReason).toBe('stop')
    const reply = page.locator(ids.turn).nth(1)
    const message = reply.locator('[data-testid="assistant-message"]')
    expect(await message.locator('strong').first().textContent()).toBe('three steps')
    expect(await message.locator('ol > li').count()).toBe(3)
    await expect(message.locator('pre code').textContent()).resolves.toContain('meterStream(')
    expect(await reply.locator('[data-testid="tool-call"]').count()).toBe(0)

    await waitForBadgeValue(page, before - chip.charged)
    const rows = await stack.db.charges(userId)
    expect(rows.filter((r) => r.operation === 'web_search')).toHaveLength(1)
    expect(rows[0]).toMatchObject({ kind: 'settle', cost: chip.charged })
    await stack.browser.shot('markdown')
    expect(stack.browser.errors).toEqual([])
  })

  it('a docs question runs the free document search', async () => {
    const { page } = stack.browser
    const before = await readBadge(page)
    await typeAndSend(page, 'search my docs for the thesis plan')
    const chip = await chipOf(page, 2)
    const card = page.locator(ids.turn).nth(2).locator('[data-testid="tool-call"][data-tool="rag_query"]')
    await card.waitFor()
    expect(((await card.textContent()) ?? '').replace(/\s+/g, ' ')).toMatch(/Searched your notes.*free/)
    await waitForBadgeValue(page, before - chip.charged)
    expect((await stack.db.charges(userId)).filter((r) => r.kind === 'charge')).toHaveLength(1)
    expect(stack.browser.errors).toEqual([])
  })
})

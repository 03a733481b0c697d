import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiProcess, startApi } from './support/api-process'
import {
  chipOf,
  ids,
  readBadge,
  sessionUserId,
  typeAndSend,
  waitForBadge,
  waitForBadgeValue,
} from './support/app-page'
import { type BrowserSession, openBrowser } from './support/browser'
import { baseDatabaseUrl, type OpenTestDatabase, openTestDatabase } from './support/database'

const STARTING_CREDITS = 100

describe.skipIf(!baseDatabaseUrl)('tool calls and markdown from the demo model in Chromium', () => {
  let db: OpenTestDatabase
  let api: ApiProcess
  let browser: BrowserSession
  let userId: string

  beforeAll(async () => {
    db = await openTestDatabase(baseDatabaseUrl as string)
    api = await startApi({
      DATABASE_URL: db.url,
      STARTING_CREDITS: String(STARTING_CREDITS),
      DEMO_CHUNK_DELAY_MS: '5',
    })
    browser = await openBrowser('tools')
  })

  afterAll(async () => {
    await browser?.close()
    await api?.stop()
    await db?.close()
  })

  it('"search for prompt caching" shows a charged web_search card, and the badge drops by the reply plus the search', async () => {
    const { page } = browser
    await page.goto(api.url)
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
    await browser.shot('web-search')

    // The chip shows the reply's own charge; the card's search credit is billed on top, in its own ledger row.
    await waitForBadgeValue(page, STARTING_CREDITS - chip.charged - 1)
    const rows = await db.charges(userId)
    const settle = rows.find((r) => r.kind === 'settle')
    const search = rows.filter((r) => r.operation === 'web_search')
    expect(settle).toMatchObject({ finishReason: 'stop', estimated: false, cost: chip.charged })
    expect(search).toEqual([expect.objectContaining({ kind: 'charge', cost: 1, runId: settle?.runId })])
    expect(rows).toHaveLength(2)
    expect(await db.balance(userId)).toBe(STARTING_CREDITS - chip.charged - 1)
    expect(browser.errors).toEqual([])
  })

  it('a plain question gets a markdown answer (bold, list, code block) with no tool card and no tool charge', async () => {
    const { page } = browser
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
    const rows = await db.charges(userId)
    expect(rows.filter((r) => r.operation === 'web_search')).toHaveLength(1)
    expect(rows[0]).toMatchObject({ kind: 'settle', cost: chip.charged })
    await browser.shot('markdown')
    expect(browser.errors).toEqual([])
  })

  it('a docs question runs the free document search', async () => {
    const { page } = browser
    const before = await readBadge(page)
    await typeAndSend(page, 'search my docs for the thesis plan')
    const chip = await chipOf(page, 2)
    const card = page.locator(ids.turn).nth(2).locator('[data-testid="tool-call"][data-tool="rag_query"]')
    await card.waitFor()
    expect(((await card.textContent()) ?? '').replace(/\s+/g, ' ')).toMatch(/Searched your notes.*free/)
    await waitForBadgeValue(page, before - chip.charged)
    expect((await db.charges(userId)).filter((r) => r.kind === 'charge')).toHaveLength(1)
    expect(browser.errors).toEqual([])
  })
})

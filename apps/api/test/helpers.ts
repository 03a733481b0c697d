/**
 * Test wiring: the real app over a real database (PGlite in memory, or a fresh PostgreSQL database per test
 * file), with logs captured in memory so tests can assert what is (not) logged.
 */
import type { AddressInfo } from 'node:net'
import { createApiKeys, createDb, createLedger, type Database, migrate, sql } from '@10xstudent/database'
import { createTestDatabase, testDatabaseUrl } from '@10xstudent/database/testing'
import { createLogger, type Logger } from '@10xstudent/logger'
import { serve } from '@hono/node-server'
import { type App, createApp } from '../src/app'
import { type Config, testConfig } from '../src/config'
import type { AdapterFactory, ApiKeys, AppLedger } from '../src/types'

export const pgUrl = testDatabaseUrl(process.env)
if (!pgUrl) console.warn('TEST_DATABASE_URL is not set: skipping the PostgreSQL suites of apps/api')

export interface Harness extends App {
  db: Database
  /** URL of this file's PostgreSQL database (undefined on PGlite). */
  databaseUrl: string | undefined
  ledger: AppLedger
  apiKeys: ApiKeys
  config: Config
  logger: Logger
  logs: string[]
  /** Create a user with `credits` and an API key; returns the bearer headers too. */
  user(
    credits: number,
    userId?: string,
  ): Promise<{ userId: string; key: string; keyId: string; headers: Record<string, string> }>
  close(): Promise<void>
}

export interface HarnessOptions {
  database: 'pglite' | 'postgres'
  config?: Partial<Config>
  createAdapter?: AdapterFactory
}

let userCounter = 0

/** Build the app with real collaborators. Call `close()` in `afterAll`. */
export async function createHarness(options: HarnessOptions): Promise<Harness> {
  let db: Database
  let drop: () => Promise<void>
  let databaseUrl: string | undefined
  if (options.database === 'postgres') {
    if (!pgUrl) throw new Error('TEST_DATABASE_URL is required')
    const testDb = await createTestDatabase({ baseUrl: pgUrl, poolSize: 20 })
    db = testDb.db
    drop = testDb.drop
    databaseUrl = testDb.url
  } else {
    db = createDb({ pglite: 'memory' })
    await migrate(db)
    drop = () => db.close()
  }
  const logs: string[] = []
  const logger = createLogger({
    name: 'api-test',
    level: 'debug',
    destination: { write: (line: string) => logs.push(line) },
  })
  const config = testConfig({ adminApiKey: 'admin-key-for-tests-0123456789abcdef', ...options.config })
  const ledger = createLedger(db, { logger, holdTtlMs: config.holdTtlMs }) as unknown as AppLedger
  const apiKeys = createApiKeys(db) as unknown as ApiKeys
  const built = createApp({
    config,
    ledger,
    apiKeys,
    logger,
    ping: async () => {
      await db.execute(sql`select 1`)
    },
    ...(options.createAdapter ? { createAdapter: options.createAdapter } : {}),
  })
  return {
    ...built,
    db,
    databaseUrl,
    ledger,
    apiKeys,
    config,
    logger,
    logs,
    async user(credits, userId) {
      const id = userId ?? `user_${process.pid}_${Date.now().toString(36)}_${userCounter++}`
      await ledger.ensureUser({ userId: id, initialCredits: credits })
      const key = await apiKeys.create({ userId: id, name: 'test' })
      return { userId: id, key: key.key, keyId: key.id, headers: { authorization: `Bearer ${key.key}` } }
    },
    close: drop,
  }
}

/** Listen on a random port with the real Node adapter. */
export async function listen(app: App['app']): Promise<{ url: string; close(): Promise<void> }> {
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
        server.close(() => resolve())
      }),
  }
}

export interface SseChunk {
  type: string
  [key: string]: unknown
}

/** Parse an SSE body (`data: {...}\n\n` frames) into chunks. */
export function parseSse(text: string): SseChunk[] {
  return text
    .split('\n\n')
    .map((frame) => frame.split('\n').find((line) => line.startsWith('data: ')))
    .filter((line): line is string => line !== undefined)
    .map((line) => JSON.parse(line.slice('data: '.length)) as SseChunk)
}

/** The `credits` CUSTOM chunk's value. */
export function creditsOf(chunks: SseChunk[]): {
  charged: number
  balance: number
  held: number
  estimated: boolean
} {
  const chunk = chunks.find((c) => c.type === 'CUSTOM' && c.name === 'credits')
  if (!chunk) throw new Error(`no credits chunk in ${chunks.map((c) => c.type).join(',')}`)
  return chunk.value as { charged: number; balance: number; held: number; estimated: boolean }
}

/** Concatenated streamed text. */
export function textOf(chunks: SseChunk[]): string {
  return chunks
    .filter((c) => c.type === 'TEXT_MESSAGE_CONTENT')
    .map((c) => String(c.delta ?? ''))
    .join('')
}

/** Row counts of every ledger table, to prove a rejected request wrote nothing. */
export async function rowCounts(db: Database): Promise<Record<string, number>> {
  const result = await db.execute<{ users: string; logs: string; holds: string; keys: string }>(sql`
    select (select count(*) from users) as users, (select count(*) from credit_logs) as logs,
           (select count(*) from credit_holds) as holds, (select count(*) from api_keys) as keys`)
  const row = result.rows[0]!
  return {
    users: Number(row.users),
    logs: Number(row.logs),
    holds: Number(row.holds),
    keys: Number(row.keys),
  }
}

/** Poll until `check` returns a value (not undefined) or time out. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

export const ADMIN = { authorization: 'Bearer admin-key-for-tests-0123456789abcdef' }
export const JSON_HEADERS = { 'content-type': 'application/json' }

/** A parsed JSON response body whose fields tests check one by one. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
export type Json = Record<string, any>

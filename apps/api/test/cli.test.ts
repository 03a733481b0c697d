/**
 * The operator CLI: every command through `runCommand` on real PostgreSQL, plus one run of the real
 * program as a child process.
 */
import { execFile } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCommand, UsageError } from '../src/cli'
import type { Services } from '../src/runtime'
import { createHarness, eventually, type Harness, type Json, pgUrl } from './helpers'

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..')

describe.skipIf(!pgUrl)('operator CLI', () => {
  let h: Harness
  let services: Services
  const run = async (...argv: string[]) => {
    const out: unknown[] = []
    await runCommand(argv, services, { startingCredits: 100 }, (v) => out.push(v))
    return out[0] as Json
  }

  beforeAll(async () => {
    h = await createHarness({ database: 'postgres' })
    services = { db: h.db, ledger: h.ledger, apiKeys: h.apiKeys, logger: h.logger, ping: async () => {} }
  })
  afterAll(() => h?.close())

  it('create-user, grant (once per key), create-key, revoke-key, ledger', async () => {
    const created = await run('create-user', 'cli_user_1', '--credits', '12')
    expect(created.user).toEqual({ id: 'cli_user_1', credits: 12 })
    expect(created.apiKey.key).toMatch(/^sk_10x_/)
    expect(await h.apiKeys.verify(created.apiKey.key)).toMatchObject({ userId: 'cli_user_1' })

    const grant = await run('grant', 'cli_user_1', '30', '--reason', 'refund', '--idempotency-key', 'r1')
    expect(grant).toMatchObject({ balance: 42, replayed: false })
    expect(
      await run('grant', 'cli_user_1', '30', '--reason', 'refund', '--idempotency-key', 'r1'),
    ).toMatchObject({
      balance: 42,
      replayed: true,
    })

    const key = await run('create-key', 'cli_user_1', '--name', 'ops')
    expect(key.name).toBe('ops')
    expect(await run('revoke-key', key.id)).toEqual({ revoked: true, id: key.id })
    expect(await h.apiKeys.verify(key.key)).toBeNull()

    const ledger = await run('ledger', 'cli_user_1', '--limit', '10')
    expect(ledger).toMatchObject({ userId: 'cli_user_1', credits: 42, held: 0 })
    expect(ledger.entries.map((e: { kind: string }) => e.kind)).toEqual(['grant', 'grant'])
  })

  it('sweep expires holds past their expiry and returns the credits', async () => {
    await h.ledger.ensureUser({ userId: 'cli_sweep', initialCredits: 10 })
    await h.ledger.reserve({ userId: 'cli_sweep', amount: 4, idempotencyKey: 'r', ttlMs: 1 })
    await new Promise((r) => setTimeout(r, 20))
    const result = await run('sweep')
    expect(result.expired).toBeGreaterThanOrEqual(1)
    expect(await h.ledger.balance('cli_sweep')).toEqual({ credits: 10, held: 0 })
  })

  it('the background sweeper expires holds on its interval', async () => {
    const { createSweeper } = await import('../src/sweeper')
    await h.ledger.ensureUser({ userId: 'bg_sweep', initialCredits: 10 })
    await h.ledger.reserve({ userId: 'bg_sweep', amount: 6, idempotencyKey: 'r', ttlMs: 1 })
    const sweeper = createSweeper({ ledger: h.ledger, logger: h.logger, intervalMs: 20 })
    sweeper.start()
    try {
      await eventually(async () => ((await h.ledger.balance('bg_sweep')).credits === 10 ? true : undefined))
    } finally {
      await sweeper.stop()
    }
    expect(await h.ledger.balance('bg_sweep')).toEqual({ credits: 10, held: 0 })
  })

  it.each([
    [[], /no command/],
    [['frobnicate'], /unknown command/],
    [['grant', 'cli_user_1'], /missing <amount>/],
    [['grant', 'cli_user_1', '5'], /--reason is required/],
    [['grant', 'cli_user_1', '-5', '--reason', 'x'], /Unknown option/],
    [['grant', 'cli_user_1', '1.5', '--reason', 'x'], /whole number/],
    [['create-user', 'cli_user_1'], /already exists/],
    [['revoke-key', 'nope'], /must be a key id/],
    [['revoke-key', '00000000-0000-4000-8000-000000000000'], /no active key/],
  ])('refuses %j', async (argv, message) => {
    await expect(run(...(argv as string[]))).rejects.toThrow(message)
    await expect(run(...(argv as string[]))).rejects.toBeInstanceOf(UsageError)
  })

  it('grant to an unknown user fails without writing', async () => {
    await expect(run('grant', 'nobody', '5', '--reason', 'x')).rejects.toMatchObject({
      code: 'user_not_found',
    })
  })

  it('runs as a program and prints JSON', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--conditions=@10xstudent/source',
        '--import',
        'tsx',
        'src/cli.ts',
        'create-user',
        'cli_proc_user',
        '--credits',
        '3',
      ],
      { cwd: appDir, env: { ...process.env, DATABASE_URL: h.databaseUrl, LOG_LEVEL: 'error' } },
    )
    const out = JSON.parse(stdout)
    expect(out.user).toEqual({ id: 'cli_proc_user', credits: 3 })
    expect(await h.ledger.balance('cli_proc_user')).toEqual({ credits: 3, held: 0 })
  })
})

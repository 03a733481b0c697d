/**
 * Operator CLI over the same database the API uses (DATABASE_URL, else the embedded PGlite in PGLITE_DIR).
 * Output is JSON on stdout so it can be piped into `jq`.
 *
 *   pnpm --filter @10xstudent/api cli create-user [userId] [--credits N] [--key-name NAME]
 *   pnpm --filter @10xstudent/api cli grant <userId> <amount> --reason TEXT [--idempotency-key KEY]
 *   pnpm --filter @10xstudent/api cli create-key <userId> [--name NAME]
 *   pnpm --filter @10xstudent/api cli revoke-key <keyId>
 *   pnpm --filter @10xstudent/api cli sweep
 *   pnpm --filter @10xstudent/api cli ledger <userId> [--limit N]
 */
import { randomUUID } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { assertAmount, assertId } from '@10xstudent/domain'
import { createLogger } from '@10xstudent/logger'
import { ConfigError, loadConfig } from './config'
import { openServices, type Services } from './runtime'

export const USAGE = `Usage: cli <command> [args]

Commands:
  create-user [userId] [--credits N] [--key-name NAME]   create a user (starting credits by default) and a key
  grant <userId> <amount> --reason TEXT [--idempotency-key KEY]   add credits (once per key)
  create-key <userId> [--name NAME]                      issue an API key (printed once)
  revoke-key <keyId>                                     revoke an API key
  sweep                                                  expire holds past their expiry, returning credits
  ledger <userId> [--limit N]                            print the user's balance and newest ledger entries
`

export class UsageError extends Error {}

type Out = (value: unknown) => void

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      credits: { type: 'string' },
      'key-name': { type: 'string' },
      name: { type: 'string' },
      reason: { type: 'string' },
      'idempotency-key': { type: 'string' },
      limit: { type: 'string' },
    },
  })
}

/**
 * Run one CLI command against opened services. Separate from `main` so tests call it directly.
 *
 * @example
 * ```ts
 * await runCommand(['grant', 'u1', '50', '--reason', 'refund'], services, { startingCredits: 100 }, console.log)
 * ```
 */
export async function runCommand(
  argv: string[],
  services: Services,
  settings: { startingCredits: number },
  out: Out,
): Promise<void> {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (err) {
    // parseArgs throws for unknown options (and reads `-5` as one).
    throw new UsageError(err instanceof Error ? err.message : String(err))
  }
  const { positionals, values } = parsed
  const [command, ...args] = positionals
  const { ledger, apiKeys } = services
  const need = (index: number, what: string): string => {
    const value = args[index]
    if (value === undefined) throw new UsageError(`${command}: missing <${what}>`)
    return value
  }
  const wholeNumber = (value: string, what: string): number => {
    if (!/^\d+$/.test(value)) throw new UsageError(`${what} must be a whole number, got "${value}"`)
    return Number(value)
  }

  switch (command) {
    case 'create-user': {
      const userId = assertId('userId', args[0] ?? `user_${randomUUID()}`)
      const credits =
        values.credits === undefined ? settings.startingCredits : wholeNumber(values.credits, '--credits')
      const user = await ledger.ensureUser({ userId, initialCredits: credits })
      if (!user.created) throw new UsageError(`user ${userId} already exists`)
      const key = await apiKeys.create({ userId, name: values['key-name'] ?? 'cli' })
      out({
        user: { id: userId, credits: user.credits },
        apiKey: { id: key.id, key: key.key, prefix: key.prefix },
      })
      return
    }
    case 'grant': {
      const userId = assertId('userId', need(0, 'userId'))
      const amount = assertAmount(wholeNumber(need(1, 'amount'), 'amount'))
      if (!values.reason) throw new UsageError('grant: --reason is required')
      await ledger.balance(userId) // UserNotFoundError for a typo, rather than a grant to nobody
      const result = await ledger.grant({
        userId,
        amount,
        reason: values.reason,
        operation: 'admin_grant',
        idempotencyKey: `cli-grant:${values['idempotency-key'] ?? randomUUID()}`,
      })
      out(result)
      return
    }
    case 'create-key': {
      const userId = assertId('userId', need(0, 'userId'))
      await ledger.balance(userId)
      const key = await apiKeys.create({ userId, name: values.name ?? 'cli' })
      out({ id: key.id, key: key.key, prefix: key.prefix, name: key.name })
      return
    }
    case 'revoke-key': {
      const keyId = need(0, 'keyId')
      if (!/^[0-9a-f-]{36}$/i.test(keyId)) throw new UsageError('revoke-key: <keyId> must be a key id (uuid)')
      const revoked = await apiKeys.revoke(keyId)
      if (!revoked) throw new UsageError(`revoke-key: no active key ${keyId}`)
      out({ revoked: true, id: keyId })
      return
    }
    case 'sweep': {
      const { expired } = await ledger.sweepExpired()
      out({ expired: expired.length, holds: expired })
      return
    }
    case 'ledger': {
      const userId = assertId('userId', need(0, 'userId'))
      const limit = values.limit === undefined ? 50 : wholeNumber(values.limit, '--limit')
      const balance = await ledger.balance(userId)
      const page = await ledger.history(userId, { limit })
      out({ userId, ...balance, entries: page.items, nextCursor: page.nextCursor })
      return
    }
    default:
      throw new UsageError(command ? `unknown command "${command}"` : 'no command given')
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2)
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help') {
    process.stdout.write(USAGE)
    return argv.length === 0 ? 1 : 0
  }
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig(process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message)
      return 2
    }
    throw err
  }
  // Logs go to stderr so stdout stays pure JSON.
  const logger = createLogger({
    name: 'api-cli',
    level: config.logLevel === 'info' ? 'warn' : config.logLevel,
    destination: process.stderr,
  })
  const services = await openServices(config, logger)
  try {
    await runCommand(argv, services, { startingCredits: config.startingCredits }, (value) =>
      process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    )
    return 0
  } catch (err) {
    if (err instanceof UsageError || (err instanceof Error && 'code' in err)) {
      console.error(`error: ${err.message}`)
      if (err instanceof UsageError) process.stderr.write(`\n${USAGE}`)
      return 1
    }
    throw err
  } finally {
    await services.db.close()
  }
}

// Run only as a program, not when imported by tests.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    },
  )
}

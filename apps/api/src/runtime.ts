/**
 * Process wiring shared by the server, the demo entry and the CLI: database (PostgreSQL when DATABASE_URL is
 * set, otherwise embedded PGlite), migrations, ledger, API keys, optional Redis, the HTTP server, the hold
 * sweeper and graceful shutdown.
 */
import type { AddressInfo } from 'node:net'
import { createApiKeys, createDb, createLedger, type Database, migrate, sql } from '@10xstudent/database'
import { createLogger, type Logger } from '@10xstudent/logger'
import { serve } from '@hono/node-server'
import { Redis } from 'ioredis'
import { createApp } from './app'
import type { Config } from './config'
import { createRateLimiter } from './rate-limit'
import { createSweeper, type Sweeper } from './sweeper'
import type { AdapterFactory, ApiKeys, AppLedger } from './types'

export interface Services {
  db: Database
  ledger: AppLedger
  apiKeys: ApiKeys
  logger: Logger
  ping: () => Promise<void>
}

/**
 * Open the database, apply migrations and build the ledger and key store.
 *
 * @example
 * ```ts
 * const services = await openServices(config, logger)
 * await services.db.close()
 * ```
 */
export async function openServices(config: Config, logger: Logger): Promise<Services> {
  const db = config.databaseUrl
    ? createDb({ url: config.databaseUrl, poolSize: config.databasePoolSize, logger })
    : createDb({ pglite: config.pgliteDir, logger })
  await migrate(db)
  const ledger = createLedger(db, { logger, holdTtlMs: config.holdTtlMs }) as unknown as AppLedger
  const apiKeys = createApiKeys(db) as unknown as ApiKeys
  const ping = async () => {
    await db.execute(sql`select 1`)
  }
  return { db, ledger, apiKeys, logger, ping }
}

/** The process logger: pretty in development, JSON otherwise. */
export function processLogger(config: Config): Logger {
  return createLogger({
    name: 'api',
    level: config.logLevel,
    pretty: config.env === 'development' && process.stdout.isTTY,
  })
}

export interface RunningServer {
  url: string
  port: number
  services: Services
  sweeper: Sweeper
  /** Graceful shutdown; idempotent. */
  shutdown(reason: string): Promise<void>
}

/**
 * Start everything and listen. `installSignalHandlers` wires SIGTERM/SIGINT to {@link RunningServer.shutdown}.
 *
 * @example
 * ```ts
 * const server = await startServer(loadConfig(process.env), { installSignalHandlers: true })
 * console.log(`listening on ${server.url}`)
 * ```
 */
export async function startServer(
  config: Config,
  options: {
    logger?: Logger
    services?: Services
    installSignalHandlers?: boolean
    createAdapter?: AdapterFactory
  } = {},
): Promise<RunningServer> {
  const logger = options.logger ?? processLogger(config)
  const services = options.services ?? (await openServices(config, logger))
  const redis = config.redisUrl
    ? new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false })
    : undefined
  redis?.on('error', (err) =>
    logger.warn({ err: String(err) }, 'Redis error; rate limits fall back to memory'),
  )
  const rateLimiter = createRateLimiter({
    requestsPerMinute: config.rateLimitRpm,
    maxConcurrentStreams: config.maxConcurrentStreams,
    streamSlotTtlMs: config.streamSlotTtlMs,
    redis,
  })
  const { app, streams } = createApp({
    config,
    ledger: services.ledger,
    apiKeys: services.apiKeys,
    logger,
    ping: services.ping,
    rateLimiter,
    ...(options.createAdapter ? { createAdapter: options.createAdapter } : {}),
  })
  const sweeper = createSweeper({ ledger: services.ledger, logger, intervalMs: config.sweepIntervalMs })

  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host })
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.once('listening', () => resolve((server.address() as AddressInfo).port))
  })
  sweeper.start()
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host
  const url = `http://${shownHost}:${port}`
  logger.info({ url, database: services.db.driver, demoMode: config.demoMode }, 'API listening')

  let shuttingDown: Promise<void> | undefined
  const shutdown = (reason: string): Promise<void> => {
    shuttingDown ??= (async () => {
      logger.info({ reason, openStreams: streams.size }, 'Shutting down')
      // 1. Stop accepting connections (open streams continue).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      // Idle keep-alive sockets would hold close() open; streaming ones are left alone.
      ;(server as { closeIdleConnections?: () => void }).closeIdleConnections?.()
      await sweeper.stop()
      // 2. Give open streams a deadline to finish on their own.
      const drained = await streams.drain(config.shutdownTimeoutMs)
      if (!drained) {
        // 3. Cut off the rest: aborting settles each as `aborted` with the usage so far.
        logger.warn({ openStreams: streams.size }, 'Deadline passed; aborting open streams')
        streams.abortAll('server shutdown')
        // 4. Wait for those settlements to be written (bounded, so a dead database cannot hang the exit).
        if (!(await streams.drain(5000)))
          logger.error({ openStreams: streams.size }, 'Some settlements did not finish')
      }
      // 5. Let finished responses flush their last bytes (close() resolves once every connection has ended),
      // then drop whatever is left.
      // Connections that went idle after step 1 are closed as they appear.
      const reaper = setInterval(
        () => (server as { closeIdleConnections?: () => void }).closeIdleConnections?.(),
        50,
      )
      await Promise.race([closed, new Promise((r) => setTimeout(r, 2000).unref())])
      clearInterval(reaper)
      ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
      redis?.disconnect()
      // 6. Close the database last: settlements above needed it.
      await services.db.close()
      logger.info('Shutdown complete')
    })()
    return shuttingDown
  }

  if (options.installSignalHandlers) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        shutdown(signal)
          .then(() => process.exit(0))
          .catch((err: unknown) => {
            logger.error({ err }, 'Shutdown failed')
            process.exit(1)
          })
      })
    }
  }

  return { url, port, services, sweeper, shutdown }
}

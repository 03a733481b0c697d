/**
 * The server side of the API benchmark, run as a child process of `api.bench.ts` (the load generator), so the
 * client's work never shares an event loop with the server's. (Not named `server.ts`, so nothing aimed at the
 * app's own entry matches it.) It serves, in this one process, on loopback:
 *
 * - `metered`:   the production wiring (`openServices` + `createApp`) with a silent logger;
 * - `unmetered`: the same, with `unmeteredChatForBenchmark` (the same /api/chat without reserve/settle);
 * - `logged`:    the metered app with the production logger at `info` (JSON lines on stdout, which the
 *                parent points at a file);
 * - `hono`:      a one-route Hono app on `@hono/node-server`, and `node`: the same route on bare `node:http`.
 *
 * Every app shares one database pool, so arms differ only in what they measure. The demo model streams a
 * fixed 40-token reply, one token per chunk, at the pace the parent sets over IPC.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createLogger } from '@10xstudent/logger'
import { countTokens } from '@10xstudent/metering'
import { demoTextAdapter } from '@10xstudent/metering/testing'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { createApp } from '../src/app'
import { loadConfig } from '../src/config'
import { openServices, processLogger } from '../src/runtime'
import type { AdapterFactory } from '../src/types'
import type { ParentMessage, ServerMessage } from './protocol'

/** 40 tokens (o200k), checked below: the fixed reply every benchmark chat streams. */
export const REPLY_TOKENS = 40
const REPLY = 'Credit metering counts every token a model streams and bills it once, '.repeat(4)

const send = (message: ServerMessage) => process.send?.(message)

async function main() {
  const url = process.env.BENCH_DATABASE_URL
  if (!url || !process.send)
    throw new Error('run by api.bench.ts (needs BENCH_DATABASE_URL and an IPC channel)')
  const reply = fitReply(REPLY, REPLY_TOKENS)

  const config = loadConfig({
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: url,
    ...(process.env.BENCH_POOL_SIZE ? { DATABASE_POOL_SIZE: process.env.BENCH_POOL_SIZE } : {}),
    // Limits high enough never to answer 429 to the benchmark's own load.
    RATE_LIMIT_RPM: '1000000000',
    MAX_CONCURRENT_STREAMS: '100000',
    SWEEP_INTERVAL_MS: '0',
    LOG_LEVEL: 'info',
    WEB_DIST_DIR: '/nonexistent/web-dist',
  })
  const silent = createLogger({ level: 'silent' })
  const services = await openServices(config, silent)

  let paceMs = 0
  const createAdapter: AdapterFactory = () => demoTextAdapter({ replies: [reply], chunkDelayMs: paceMs })
  const common = {
    config,
    ledger: services.ledger,
    apiKeys: services.apiKeys,
    ping: services.ping,
    createAdapter,
  }
  const metered = createApp({ ...common, logger: silent })
  const unmetered = createApp({ ...common, logger: silent, unmeteredChatForBenchmark: true })
  const logged = createApp({ ...common, logger: processLogger(config) })

  const hono = new Hono()
  hono.get('/', (c) => c.json({ status: 'ok' }))
  const bare = createServer((_req, res) => {
    const body = JSON.stringify({ status: 'ok' })
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  })

  const servers: Server[] = []
  const listen = async (server: Server): Promise<number> => {
    servers.push(server)
    // Waves of 256 streams leave pooled connections idle for seconds between arms; Node's 5 s default would
    // close some just as the client reuses them ("other side closed"), a race of the bench, not of the app.
    server.keepAliveTimeout = 120_000
    await new Promise<void>((resolve, reject) => {
      if (server.listening) return resolve()
      server.once('listening', resolve)
      server.once('error', reject)
    })
    return (server.address() as AddressInfo).port
  }
  const honoServe = (fetch: (req: Request) => Response | Promise<Response>) =>
    serve({ fetch, port: 0, hostname: '127.0.0.1' }) as Server
  const ports = {
    metered: await listen(honoServe(metered.app.fetch)),
    unmetered: await listen(honoServe(unmetered.app.fetch)),
    logged: await listen(honoServe(logged.app.fetch)),
    hono: await listen(honoServe(hono.fetch)),
    node: await listen(bare.listen(0, '127.0.0.1')),
  }

  const gc = (globalThis as { gc?: () => void }).gc
  process.on('message', async (message: ParentMessage) => {
    switch (message.cmd) {
      case 'pace':
        paceMs = message.ms
        send({ ok: 'pace' })
        break
      case 'gc':
        gc?.()
        gc?.()
        send({ ok: 'gc', rss: process.memoryUsage().rss })
        break
      case 'streams':
        send({ ok: 'streams', open: metered.streams.size + unmetered.streams.size + logged.streams.size })
        break
      case 'close':
        for (const server of servers) {
          ;(server as { closeAllConnections?: () => void }).closeAllConnections?.()
          server.close()
        }
        await services.db.close()
        send({ ok: 'close' })
        process.disconnect()
        break
    }
  })
  send({ ok: 'ready', ports, replyTokens: countTokens(reply), poolSize: config.databasePoolSize })
}

/** Trim `text` to exactly `tokens` tokens (word by word), so every arm streams the same number of chunks. */
function fitReply(text: string, tokens: number): string {
  const words = text.split(' ')
  for (let n = words.length; n > 0; n--) {
    const candidate = words.slice(0, n).join(' ')
    if (countTokens(candidate) === tokens) return candidate
  }
  throw new Error(`cannot fit the reply to ${tokens} tokens`)
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})

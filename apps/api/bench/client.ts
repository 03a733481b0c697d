/**
 * The load generator's HTTP side: undici pools on loopback, an SSE reader that times every frame, a closed
 * loop for requests/s, and the statistics the report uses.
 */
import { Pool } from 'undici'

/** One `POST /api/chat` as the client saw it. */
export interface ChatResult {
  status: number
  /** Milliseconds from sending the request to the first body byte. */
  ttfbMs: number
  /** Milliseconds from sending the request to the end of the body. */
  totalMs: number
  /** TEXT_MESSAGE_CONTENT frames (one per token of the reply). */
  contentFrames: number
  firstContentAt: number
  lastContentAt: number
  /** Longest silence between two body reads after the first byte, in ms. */
  maxGapMs: number
  finished: boolean
  errored: boolean
  /** From the closing `credits` CUSTOM chunk (metered only). */
  charged?: number
}

export function pool(port: number, connections: number): Pool {
  return new Pool(`http://127.0.0.1:${port}`, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    // Paced streams are long; never let the client cut one off.
    bodyTimeout: 0,
    headersTimeout: 0,
  })
}

const CHAT_BODY = JSON.stringify({
  messages: [{ role: 'user', content: 'Summarise credit metering in one paragraph.' }],
  maxTokens: 64,
})

/** Send one chat and read the whole SSE body, timing each read. */
export async function chatOnce(client: Pool, key: string): Promise<ChatResult> {
  const started = performance.now()
  const { statusCode, body } = await client.request({
    path: '/api/chat',
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: CHAT_BODY,
  })
  const result: ChatResult = {
    status: statusCode,
    ttfbMs: Number.NaN,
    totalMs: Number.NaN,
    contentFrames: 0,
    firstContentAt: Number.NaN,
    lastContentAt: Number.NaN,
    maxGapMs: 0,
    finished: false,
    errored: false,
  }
  let buffer = ''
  let lastRead = Number.NaN
  for await (const piece of body) {
    const now = performance.now()
    if (Number.isNaN(lastRead)) result.ttfbMs = now - started
    else result.maxGapMs = Math.max(result.maxGapMs, now - lastRead)
    lastRead = now
    buffer += (piece as Buffer).toString('utf8')
    let end = buffer.indexOf('\n\n')
    while (end >= 0) {
      const frame = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      end = buffer.indexOf('\n\n')
      if (frame.includes('"TEXT_MESSAGE_CONTENT"')) {
        result.contentFrames++
        if (result.contentFrames === 1) result.firstContentAt = now
        result.lastContentAt = now
      } else if (frame.includes('"RUN_FINISHED"')) result.finished = true
      else if (frame.includes('"RUN_ERROR"')) result.errored = true
      else if (frame.includes('"CUSTOM"') && frame.includes('"credits"')) {
        const data = JSON.parse(frame.slice(frame.indexOf('{'))) as {
          name?: string
          value?: { charged?: number }
        }
        if (data.name === 'credits') result.charged = data.value?.charged
      }
    }
  }
  result.totalMs = performance.now() - started
  return result
}

/** `concurrency` workers each sending GET `path` back to back for `ms`; completed requests per second. */
export async function closedLoop(
  client: Pool,
  path: string,
  concurrency: number,
  ms: number,
  headers: Record<string, string> = {},
): Promise<number> {
  const started = performance.now()
  const deadline = started + ms
  let done = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const { statusCode, body } = await client.request({ path, method: 'GET', headers })
        await body.dump()
        if (statusCode !== 200) throw new Error(`GET ${path} answered ${statusCode}`)
        done++
      }
    }),
  )
  return done / ((performance.now() - started) / 1000)
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5)
}

/** Linear-interpolated quantile (q in 0..1). */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  const pos = (s.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo)
}

/** Run `arms` alternately (A B, B A, A B, ...) `rounds` times; every sample per arm. */
export async function interleave<K extends string>(
  rounds: number,
  arms: Record<K, () => Promise<number>>,
): Promise<Record<K, number[]>> {
  const names = Object.keys(arms) as K[]
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse()
    for (const name of order) samples[name].push(await arms[name]())
  }
  return samples
}

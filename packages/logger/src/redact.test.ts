import { describe, expect, it } from 'vitest'
import { createLogger } from './create-logger'
import { MAX_REDACT_DEPTH, PROMPT_TEXT_KEYS, REDACT_CENSOR, redactPaths, SECRET_KEYS } from './redact'
import { captureStream } from './test-stream'

const PARENTS = ['req', 'headers', 'inner']

/** `{ req: { headers: { [key]: secret, keep } } }` for depth 2, and so on. */
function nestedAt(depth: number, key: string, value: unknown): Record<string, unknown> {
  let node: Record<string, unknown> = { [key]: value, keep: `visible-${depth}` }
  for (let level = depth - 1; level >= 0; level--)
    node = { [PARENTS[level]!]: node, [`sibling${level}`]: 'ok' }
  return node
}

function valueAt(
  line: Record<string, unknown>,
  depth: number,
  key: string,
): { value: unknown; keep: unknown } {
  let node = line
  for (let level = 0; level < depth; level++) {
    expect(node[`sibling${level}`]).toBe('ok')
    node = node[PARENTS[level]!] as Record<string, unknown>
  }
  return { value: node[key], keep: node.keep }
}

function logOnce(fields: Record<string, unknown>, options: Parameters<typeof createLogger>[0] = {}) {
  const { stream, lines } = captureStream()
  createLogger({ ...options, destination: stream, base: null }).info(fields, 'm')
  const [line] = lines()
  expect(line).toBeDefined()
  return line!
}

const DEPTHS = Array.from({ length: MAX_REDACT_DEPTH + 1 }, (_, depth) => depth)
const SECRET_CELLS = SECRET_KEYS.flatMap((key) => DEPTHS.map((depth) => [key, depth] as const))
const PROMPT_CELLS = PROMPT_TEXT_KEYS.flatMap((key) => DEPTHS.map((depth) => [key, depth] as const))

describe('redaction', () => {
  it.each(SECRET_CELLS)('censors %j at depth %i and keeps its siblings', (key, depth) => {
    const line = logOnce(nestedAt(depth, key, 'sk-live-123'))
    const { value, keep } = valueAt(line, depth, key)
    expect(value).toBe(REDACT_CENSOR)
    expect(keep).toBe(`visible-${depth}`)
    expect(JSON.stringify(line)).not.toContain('sk-live-123')
  })

  it.each(SECRET_CELLS.filter(([, depth]) => depth + 2 <= MAX_REDACT_DEPTH))(
    'censors %j inside an array item under a list at depth %i (key at depth + 2)',
    (key, depth) => {
      const line = logOnce(nestedAt(depth, 'list', [{ [key]: 'sk-live-123', id: 7 }]))
      expect(JSON.stringify(line)).not.toContain('sk-live-123')
      expect(JSON.stringify(line)).toContain('"id":7')
    },
  )

  it.each(SECRET_CELLS)('still censors %j at depth %i when prompt text is opted in', (key, depth) => {
    const line = logOnce(nestedAt(depth, key, 'sk-live-123'), { logPromptText: true })
    expect(valueAt(line, depth, key).value).toBe(REDACT_CENSOR)
  })

  it.each(PROMPT_CELLS)('censors prompt text %j at depth %i by default', (key, depth) => {
    const line = logOnce(nestedAt(depth, key, 'my private question'))
    expect(valueAt(line, depth, key)).toEqual({ value: REDACT_CENSOR, keep: `visible-${depth}` })
  })

  it.each(PROMPT_CELLS)('keeps prompt text %j at depth %i with logPromptText', (key, depth) => {
    const line = logOnce(nestedAt(depth, key, 'my private question'), { logPromptText: true })
    expect(valueAt(line, depth, key).value).toBe('my private question')
  })

  it('censors the key of an auth object at every depth but keeps its other fields', () => {
    for (const depth of [0, 1, 2]) {
      const line = logOnce(nestedAt(depth, 'auth', { key: 'k-123', userId: 'u1' }))
      expect(valueAt(line, depth, 'auth').value).toEqual({ key: REDACT_CENSOR, userId: 'u1' })
    }
  })

  it('censors a whole TanStack-style message list, so no content leaks', () => {
    const line = logOnce({
      body: { messages: [{ role: 'user', content: 'secret plan' }], model: 'gemini-2.5-flash' },
    })
    expect(line.body).toEqual({ messages: REDACT_CENSOR, model: 'gemini-2.5-flash' })
  })

  it('does not touch ordinary fields that merely look similar', () => {
    const fields = {
      userId: 'u1',
      tokensUsed: 42,
      cost: 3,
      keyCount: 2,
      model: 'demo-model',
      contentLength: 10,
    }
    expect(logOnce(fields)).toMatchObject(fields)
  })

  it('adds caller paths to the built-in ones', () => {
    const line = logOnce({ user: { email: 'a@b.c', id: 'u1' }, password: 'p' }, { redact: ['user.email'] })
    expect(line.user).toEqual({ email: REDACT_CENSOR, id: 'u1' })
    expect(line.password).toBe(REDACT_CENSOR)
  })

  it('redactPaths (deprecated, no longer used by createLogger) still lists every key at every depth', () => {
    const paths = redactPaths()
    expect(paths).toContain('authorization')
    expect(paths).toContain('*.*.*.authorization')
    expect(paths).toContain('*.*["set-cookie"]')
    expect(paths).toContain('*.auth.key')
    expect(paths).toContain('*.*.*.content')
    expect(redactPaths({ logPromptText: true })).not.toContain('content')
    expect(redactPaths({ extra: ['a.b', 'a.b'] }).filter((p) => p === 'a.b')).toHaveLength(1)
    expect(new Set(paths).size).toBe(paths.length)
    expect(paths).toHaveLength((SECRET_KEYS.length + PROMPT_TEXT_KEYS.length + 1) * (MAX_REDACT_DEPTH + 1))
  })
})

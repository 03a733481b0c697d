import { Writable } from 'node:stream'

/** A destination that collects what a logger writes, for tests. Not exported from the package. */
export function captureStream(): {
  stream: Writable
  text: () => string
  lines: () => Record<string, unknown>[]
} {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString())
      callback()
    },
  })
  const text = () => chunks.join('')
  const lines = () =>
    text()
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
  return { stream, text, lines }
}

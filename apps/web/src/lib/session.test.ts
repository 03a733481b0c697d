import { describe, expect, it } from 'vitest'
import { clearSession, readSession, SESSION_STORAGE_KEY, writeSession } from './session'

function memoryStorage(initial: Record<string, string> = {}) {
  const map = new Map(Object.entries(initial))
  return {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  }
}

describe('session storage', () => {
  it('round-trips a session', () => {
    const storage = memoryStorage()
    writeSession(storage, { userId: 'u1', apiKey: 'sk_test', demo: true })
    expect(readSession(storage)).toEqual({ userId: 'u1', apiKey: 'sk_test', demo: true })
    clearSession(storage)
    expect(readSession(storage)).toBeNull()
  })

  it.each([
    ['nothing', undefined],
    ['corrupt JSON', '{'],
    ['a string', '"sk_test"'],
    ['an empty key', JSON.stringify({ userId: 'u', apiKey: '' })],
    ['a numeric key', JSON.stringify({ userId: 'u', apiKey: 42 })],
    ['no user id', JSON.stringify({ apiKey: 'sk' })],
  ])('treats %s as no session', (_name, raw) => {
    const storage = memoryStorage(raw === undefined ? {} : { [SESSION_STORAGE_KEY]: raw })
    expect(readSession(storage)).toBeNull()
  })

  it('defaults demo to false for keys pasted by hand', () => {
    const storage = memoryStorage({ [SESSION_STORAGE_KEY]: JSON.stringify({ userId: 'u', apiKey: 'sk' }) })
    expect(readSession(storage)).toEqual({ userId: 'u', apiKey: 'sk', demo: false })
  })
})

import { describe, expect, it } from 'vitest'
import { testDatabaseUrl } from './index'

describe('testDatabaseUrl', () => {
  it('returns TEST_DATABASE_URL when set', () => {
    expect(testDatabaseUrl({ TEST_DATABASE_URL: 'postgres://x/y', CI: 'true' })).toBe('postgres://x/y')
  })
  it('is undefined locally without it (the suite skips with a warning)', () => {
    expect(testDatabaseUrl({})).toBeUndefined()
  })
  it('throws loudly in CI without it', () => {
    expect(() => testDatabaseUrl({ CI: 'true' })).toThrow(/TEST_DATABASE_URL must be set in CI/)
  })
})

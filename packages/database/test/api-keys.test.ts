import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiKeys, createDb, createLedger, type Database, eq, migrate, schema, sql } from '../src/index'

describe('api keys (PGlite)', () => {
  let db: Database
  const keys = () => createApiKeys(db)

  beforeAll(async () => {
    db = createDb({ pglite: 'memory' })
    await migrate(db)
    const ledger = createLedger(db)
    await ledger.ensureUser({ userId: 'owner' })
    await ledger.ensureUser({ userId: 'intruder' })
  })
  afterAll(() => db?.close())

  it('creates a key shown once; only its SHA-256 hash is stored', async () => {
    const created = await keys().create({ userId: 'owner', name: ' CI ' })
    expect(created.key).toMatch(/^sk_10x_[A-Za-z0-9_-]{43}$/)
    expect(created.prefix).toBe(created.key.slice(0, 12))
    expect(created.name).toBe('CI')
    const rows = await db.select().from(schema.apiKeys).where(eq(schema.apiKeys.id, created.id))
    expect(rows).toHaveLength(1)
    const stored = JSON.stringify(rows[0])
    expect(stored).not.toContain(created.key)
    expect(stored).not.toContain(created.key.slice(7))
    const { rows: hashed } = await db.execute<{ ok: boolean }>(
      sql`select key_hash = encode(sha256(convert_to(${created.key}, 'UTF8')), 'hex') as ok from api_keys where id = ${created.id}`,
    )
    expect(hashed[0]!.ok).toBe(true)
  })

  it('verifies a valid key, touching last_used_at at most once a minute', async () => {
    const created = await keys().create({ userId: 'owner', name: 'app' })
    expect(await keys().verify(created.key)).toEqual({ keyId: created.id, userId: 'owner' })
    const [first] = await keys()
      .list('owner')
      .then((l) => l.filter((k) => k.id === created.id))
    expect(first!.lastUsedAt).toBeInstanceOf(Date)
    await keys().verify(created.key)
    const [second] = await keys()
      .list('owner')
      .then((l) => l.filter((k) => k.id === created.id))
    expect(second!.lastUsedAt!.getTime()).toBe(first!.lastUsedAt!.getTime())
  })

  it.each([
    ['empty', ''],
    ['wrong prefix', `sk_live_${'a'.repeat(43)}`],
    ['too short', 'sk_10x_abc'],
    ['bad characters', `sk_10x_${'!'.repeat(43)}`],
    ['unknown but well-formed', `sk_10x_${'A'.repeat(43)}`],
    ['not a string', 42],
  ])('refuses a malformed or unknown key (%s)', async (_label, key) => {
    expect(await keys().verify(key as string)).toBeNull()
  })

  it('refuses a revoked key; only the owner may revoke when userId is given', async () => {
    const created = await keys().create({ userId: 'owner', name: 'temp' })
    expect(await keys().revoke(created.id, { userId: 'intruder' })).toBe(false)
    expect(await keys().verify(created.key)).not.toBeNull()
    expect(await keys().revoke(created.id, { userId: 'owner' })).toBe(true)
    expect(await keys().revoke(created.id)).toBe(false)
    expect(await keys().verify(created.key)).toBeNull()
    expect(await keys().revoke('not-a-uuid')).toBe(false)
    const listed = (await keys().list('owner')).find((k) => k.id === created.id)
    expect(listed).toMatchObject({ name: 'temp', revokedAt: expect.any(Date) })
    expect(listed).not.toHaveProperty('key')
    expect(listed).not.toHaveProperty('keyHash')
  })

  it('rejects a bad name and an unknown user', async () => {
    await expect(keys().create({ userId: 'owner', name: '  ' })).rejects.toMatchObject({
      code: 'invalid_argument',
    })
    await expect(keys().create({ userId: 'nobody', name: 'x' })).rejects.toThrow()
  })
})

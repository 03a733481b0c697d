import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { migrationsFolder } from './migrate'

const root = join(import.meta.dirname, '..')

describe('migrationsFolder', () => {
  it.each([
    ['src/migrate.ts', 'src/migrate.ts'],
    ['dist/index.js (published bundle)', 'dist/index.js'],
    ['dist/testing/index.js (subpath bundle)', 'dist/testing/index.js'],
  ])('is found from %s', (_label, file) => {
    const folder = migrationsFolder(pathToFileURL(join(root, file)).href)
    expect(folder).toBe(join(root, 'drizzle'))
    expect(existsSync(join(folder, 'meta', '_journal.json'))).toBe(true)
  })

  it('fails clearly when there is none', () => {
    expect(() => migrationsFolder(pathToFileURL('/nonexistent/a/b/c.js').href)).toThrow(
      /migrations folder not found/,
    )
  })
})

// The packages published to the private registry, in dependency order. Shared by the release scripts.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')

export const publishedPackages = ['domain', 'logger', 'database', 'metering'].map((folder) => {
  const dir = join(root, 'packages', folder)
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  return { folder, dir, name: manifest.name, version: manifest.version }
})

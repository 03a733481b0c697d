import { defineConfig, mergeConfig } from 'vitest/config'
import { sharedConfig } from '../../vitest.shared'

// Vitest forwards ssr.resolve.conditions to Node as `--conditions` for external dependencies. With `import`
// in that list, pg's CommonJS `require('pg-pool')` picks pg-pool's ESM build and `class extends Pool` fails.
// So this package keeps only the source condition there (Vite adds import/module itself when resolving).
const config = mergeConfig(sharedConfig, defineConfig({}))
config.ssr = {
  ...config.ssr,
  resolve: { ...config.ssr?.resolve, conditions: ['@10xstudent/source', 'node'] },
}

export default config

import { defineConfig } from 'vitest/config'

/**
 * Shared vitest settings: resolve workspace packages to their `src/` through the custom
 * `@10xstudent/source` export condition, so tests never need a prior build.
 */
// Vitest forwards ssr.resolve.conditions to Node as `--conditions` for external dependencies. With `import`
// in that list, pg's CommonJS `require('pg-pool')` picks pg-pool's ESM build and `class extends Pool` fails,
// so only the source condition and `node` are listed (Vite adds import/require per import kind itself).
const conditions = ['@10xstudent/source', 'node', 'development|production']

export const sharedConfig = defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
})

import { defineConfig } from 'vitest/config'

/**
 * Shared vitest settings: resolve workspace packages to their `src/` through the custom
 * `@10xstudent/source` export condition, so tests never need a prior build.
 */
export const sharedConfig = defineConfig({
  resolve: { conditions: ['@10xstudent/source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@10xstudent/source', 'module', 'node', 'import', 'default'] } },
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
})

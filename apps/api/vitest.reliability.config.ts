import { defineConfig } from 'vitest/config'
import base from './vitest.config'

/**
 * The reliability suite (test/reliability): real API child processes, one database per file. Files run one
 * at a time: one of them restarts the PostgreSQL server, which must never hit another file mid-test, and the
 * others measure concurrency on 2 shared cores.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/reliability/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
})

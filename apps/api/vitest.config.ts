import { defineConfig } from 'vitest/config'
import { sharedConfig } from '../../vitest.shared'

export default defineConfig({
  ...sharedConfig,
  test: {
    ...sharedConfig.test,
    // The reliability suite spawns API processes and restarts PostgreSQL: its own config runs it file by file.
    exclude: ['**/node_modules/**', 'test/reliability/**'],
  },
})

import { defineConfig } from 'vitest/config'
import { sharedConfig } from '../../vitest.shared'

// Vitest hands resolve conditions to Node as `--conditions`; with the shared `import` condition Node's
// require('pg-pool') (inside pg) loads the ESM build and `class extends Pool` fails. Keep the source
// condition, drop `import`/`module` (Vite adds the right one per import kind anyway). Arrays are replaced
// rather than merged on purpose.
const conditions = ['@10xstudent/source', 'node', 'development|production']

export default defineConfig({
  ...sharedConfig,
  resolve: { ...sharedConfig.resolve, conditions },
  ssr: { ...sharedConfig.ssr, resolve: { ...sharedConfig.ssr?.resolve, conditions } },
  test: {
    ...sharedConfig.test,
    // The reliability suite spawns API processes and restarts PostgreSQL: its own config runs it file by file.
    exclude: ['**/node_modules/**', 'test/reliability/**'],
  },
})

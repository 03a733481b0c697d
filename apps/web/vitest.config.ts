import { defineConfig } from 'vitest/config'
import { sharedConfig } from '../../vitest.shared'

// Vitest hands resolve conditions to Node as `--conditions`; with the shared `import` condition, Node's
// require('pg-pool') inside pg loads the ESM build and `class extends Pool` fails. Keep the source condition and
// drop `import`/`module` (Vite adds the right one per import kind). Arrays are replaced, not merged, on purpose.
const conditions = ['@10xstudent/source', 'node', 'development|production']

export default defineConfig({
  ...sharedConfig,
  resolve: { ...sharedConfig.resolve, conditions },
  ssr: { ...sharedConfig.ssr, resolve: { ...sharedConfig.ssr?.resolve, conditions } },
  test: {
    ...sharedConfig.test,
    // Component tests render to static markup (react-dom/server), so they live in .test.tsx files.
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
    // Builds apps/web/dist once for the browser tests (the API under test serves it).
    globalSetup: ['./test/support/build-web.ts'],
    // Browser tests start an API process and Chromium each: one file at a time on the 2-core machine.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
})

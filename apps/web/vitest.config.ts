import { defineConfig } from 'vitest/config'
import { sharedConfig } from '../../vitest.shared'

export default defineConfig({
  ...sharedConfig,
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

import { defineConfig } from 'tsup'

// The app is not published: no .d.ts. Workspace packages stay external and resolve to their built dist.
export default defineConfig({
  entry: ['src/server.ts', 'src/demo.ts', 'src/cli.ts'],
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node20',
})

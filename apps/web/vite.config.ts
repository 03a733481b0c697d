import tailwindcss from '@tailwindcss/vite'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

/** Where `pnpm dev` forwards `/api`: the API process started with `pnpm --filter @10xstudent/api dev`. */
const apiUrl = process.env.API_URL ?? 'http://127.0.0.1:3000'

export default defineConfig({
  plugins: [react(), tailwindcss()],
  // Workspace packages resolve to their `src/` so the web app never needs them built first.
  resolve: { conditions: ['@10xstudent/source', 'module', 'browser', 'import', 'default'] },
  server: {
    port: 5173,
    proxy: {
      // SSE must not be buffered by the proxy; http-proxy streams by default.
      '/api': { target: apiUrl, changeOrigin: true },
      '/healthz': { target: apiUrl, changeOrigin: true },
    },
  },
  // React DOM alone is ~180 KB minified; the whole app is ~175 KB gzipped, fine for a demo served once.
  build: { outDir: 'dist', sourcemap: true, emptyOutDir: true, chunkSizeWarningLimit: 800 },
})

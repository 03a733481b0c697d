import { defineConfig } from 'drizzle-kit'

// `pnpm db:generate` writes SQL + meta into ./drizzle (committed). Generation needs no database.
// Triggers and ledger functions live in custom migrations (`drizzle-kit generate --custom`).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema/index.ts',
  out: './drizzle',
  strict: true,
  verbose: false,
})

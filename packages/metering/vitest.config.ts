import { defineConfig, mergeConfig } from 'vitest/config'
import { sharedConfig } from '../../vitest.shared'

const merged = mergeConfig(sharedConfig, defineConfig({}))
// Vitest hands SSR resolve conditions to Node; with the `import` condition on Node >= 20.19, `require('pg-pool')`
// inside `pg` loads pg-pool's ESM build (require(esm)) and `class extends Pool` fails. Drop `import` here.
const conditions = ['@10xstudent/source', 'module', 'node', 'default']
merged.resolve = { ...merged.resolve, conditions }
merged.ssr = { ...merged.ssr, resolve: { ...merged.ssr?.resolve, conditions } }
export default merged

// Bundles the server, the contracts it imports and its pure-JS npm dependencies into one ESM file: one
// file to read and compile is what makes a cold start fast (loading the same code as ~1,500 separate
// modules from node_modules cost more CPU than everything else in start-up; see bench/RESULTS.md).
// Left external: the native SQLite binding, the PostgreSQL driver (imported only when DATABASE_URL
// names PostgreSQL) and ws's optional native add-ons.
import { build } from 'esbuild';

const external = ['better-sqlite3', 'pg', 'pg-native', 'bufferutil', 'utf-8-validate'];

await build({
  entryPoints: ['src/server.ts'],
  outfile: 'dist/server.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external: external.flatMap((d) => [d, `${d}/*`]),
  // CommonJS dependencies inside an ESM bundle still call require() for Node built-ins.
  banner: { js: "import { createRequire as __owuiCreateRequire } from 'node:module'; const require = __owuiCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

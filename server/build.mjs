// Bundles the server, the contracts it imports and its pure-JS npm dependencies into one ESM file: one
// file to read and compile is what makes a cold start fast (loading the same code as ~1,500 separate
// modules from node_modules cost more CPU than everything else in start-up; see bench/RESULTS.md).
// Left external: the native SQLite and bcrypt bindings, the PostgreSQL driver (imported only when DATABASE_URL
// names PostgreSQL) and ws's optional native add-ons.
import { build } from 'esbuild';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';

// sqlite-vec finds its native extension next to its own package; bullmq reads its Lua scripts from disk;
// bcrypt loads its prebuilt binary.
const external = ['better-sqlite3', 'bcrypt', 'pg', 'pg-native', 'bufferutil', 'utf-8-validate', 'sqlite-vec', 'bullmq'];

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

// esbuild escapes non-ASCII characters in code but keeps them in comments; one such character makes V8
// hold the whole 6 MB source as a two-byte string (12 MB of heap, for as long as the process runs).
// Escaping them keeps the source one-byte; in a comment the escape is just text.
const out = 'dist/server.js';
const text = readFileSync(out, 'utf8');
const ascii = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
if (ascii !== text) writeFileSync(out, ascii);

// The document-extraction worker runs from its own file (worker threads start from a path); its parsers
// (pdf.js, mammoth, officeparser) are loaded only there, from node_modules.
for (const f of ['extract-worker.mjs', 'splitters.mjs']) copyFileSync(`src/rag/extract/${f}`, `dist/${f}`);
// Likewise the embedded vector store's search worker and its bit index.
for (const f of ['knn-worker.mjs', 'bit-index.mjs']) copyFileSync(`src/rag/vector/${f}`, `dist/${f}`);

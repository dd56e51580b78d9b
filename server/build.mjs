// Bundles the server, the contracts it imports and its pure-JS npm dependencies into ESM: one entry
// file (dist/server.js) holding what every start runs, plus chunks for what is loaded with `await
// import()` at first use (features' heavy libraries, CLI verbs). A few bundled files to read and compile
// is what makes a cold start fast (loading the same code as ~1,500 separate modules from node_modules cost
// more CPU than everything else in start-up; see bench/RESULTS.md), and every KB left out of the entry
// is compile time and heap a start does not pay.
// Left external: the native SQLite and bcrypt bindings, the PostgreSQL driver (imported only when DATABASE_URL
// names PostgreSQL) and ws's optional native add-ons.
import { build } from 'esbuild';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

// sqlite-vec finds its native extension next to its own package; bullmq reads its Lua scripts from disk;
// bcrypt loads its prebuilt binary.
const external = ['better-sqlite3', 'bcrypt', 'pg', 'pg-native', 'bufferutil', 'utf-8-validate', 'sqlite-vec', 'bullmq'];

// Chunks of an earlier build would pile up (their names carry a hash).
if (existsSync('dist')) for (const f of readdirSync('dist', { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).filter((n) => n.startsWith('chunk-'))) rmSync(`dist/${f}`);

await build({
  entryPoints: { server: 'src/server.ts' },
  // Chunks sit beside server.js (not in a subfolder): code that finds files relative to its own
  // import.meta.url (the extraction worker, the web build) resolves the same from every chunk.
  outdir: 'dist',
  chunkNames: 'chunk-[hash]',
  splitting: true,
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
for (const out of readdirSync('dist').filter((n) => n.endsWith('.js')).map((n) => `dist/${n}`)) {
  const text = readFileSync(out, 'utf8');
  const ascii = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (ascii !== text) writeFileSync(out, ascii);
}

// The document-extraction worker runs from its own file (worker threads start from a path); its parsers
// (pdf.js, mammoth, officeparser) are loaded only there, from node_modules.
for (const f of ['extract-worker.mjs', 'splitters.mjs']) copyFileSync(`src/rag/extract/${f}`, `dist/${f}`);

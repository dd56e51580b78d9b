// Bundles the server, the contracts it imports and its pure-JS npm dependencies: one entry file
// (dist/server.cjs) holding what every start runs, plus chunks for what is loaded with `await import()`
// at first use (features' heavy libraries, CLI verbs). A few bundled files to read and compile is what
// makes a cold start fast (loading the same code as ~1,500 separate modules from node_modules cost more
// CPU than everything else in start-up; see bench/RESULTS.md), and every KB left out of the entry is
// compile time and heap a start does not pay.
// esbuild splits only ESM, and Node 20 has no code cache for ES modules (module.enableCompileCache is
// Node 22), so the split output is turned into CommonJS files (same chunks, same import graph: an import
// becomes a require of the chunk, an export a getter) that bin/load-bundle.cjs compiles with V8's code
// cache. Compiling the ~1.9 MB a start loads was the largest single cost of a start.
// Left external: the native SQLite and bcrypt bindings, the PostgreSQL driver (imported only when DATABASE_URL
// names PostgreSQL) and ws's optional native add-ons.
import remapping from '@jridgewell/remapping';
import { build, transform } from 'esbuild';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

// sqlite-vec finds its native extension next to its own package; bullmq reads its Lua scripts from disk;
// bcrypt loads its prebuilt binary.
// Fastify's default schema compilers are built only on demand (src/plugins/schema-compilers.ts), and
// light-my-request is required only by app.inject(), which the server never calls: left to node_modules.
const external = [
  'better-sqlite3', 'bcrypt', 'pg', 'pg-native', 'bufferutil', 'utf-8-validate', 'sqlite-vec', 'bullmq',
  '@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler', 'light-my-request',
];

/**
 * With `splitting`, esbuild turns `await import('pkg')` of a CommonJS package into a chunk whose only
 * export is `default` (Node itself would also offer the named exports it finds in the source), so
 * @fastify/cookie's `(await import('cookie')).stringifySetCookie` was undefined. Such an import is
 * given a small ESM module that re-exports the package's own keys by name, as Node does.
 */
const cjsDynamicImport = {
  name: 'cjs-dynamic-import',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.kind !== 'dynamic-import' || args.pluginData === 'inner' || args.path.startsWith('node:')) return undefined;
      const r = await b.resolve(args.path, { kind: 'import-statement', resolveDir: args.resolveDir, importer: args.importer, pluginData: 'inner' });
      if (r.errors.length || r.external || !isCommonJs(r.path)) return undefined;
      return { path: r.path, namespace: 'cjs-dynamic-import' };
    });
    b.onLoad({ filter: /.*/, namespace: 'cjs-dynamic-import' }, (args) => {
      const keys = Object.keys(createRequire(import.meta.url)(args.path)).filter((k) => k !== 'default' && /^[A-Za-z_$][\w$]*$/.test(k));
      // require(): module.exports itself, whatever its __esModule flag says (Node's default export).
      const lines = [`const m = require(${JSON.stringify(args.path)});`, 'export default m;', ...keys.map((k) => `export const ${k} = m.${k};`)];
      return { contents: lines.join('\n'), resolveDir: path.dirname(args.path), loader: 'js' };
    });
  },
};

/**
 * zod re-exports all of its ~50 message locales as `z.locales`, and since every schema file imports the
 * `z` namespace, none of them can be tree-shaken: 358 KB of source compiled at every start for messages
 * nobody reads (the server answers in English; zod itself configures `en`). Only `en` is kept; nothing
 * in the server or contracts calls `z.locales`.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]zod[\\/]v4[\\/]/.test(args.importer)) return undefined;
      return { path: path.join(args.resolveDir, '..', 'locales', 'index.js'), namespace: 'zod-english-only' };
    });
    b.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

/**
 * Packages that a bundled library requires at load but calls only for features this server does not
 * use at start, replaced by a stand-in that requires the real one from node_modules on first use
 * (resolved from the requiring package's own folder, as Node would have).
 * - glob (+ minimatch, path-scurry, minipass, lru-cache: ~210 KB) in @fastify/static: used only with
 *   `wildcard: false`, which plugins/frontend.ts never sets.
 * (@fastify/busboy in @fastify/multipart was tried the same way: no measurable gain, left bundled.)
 */
const ON_DEMAND = [
  // CommonJS stand-ins: their importers `require()` them.
  { pkg: 'glob', from: '@fastify/static', stub: (load) => `exports.glob = (...args) => ${load}.glob(...args);` },
];
const onDemand = {
  name: 'on-demand',
  setup(b) {
    for (const { pkg, from, stub } of ON_DEMAND) {
      const importer = new RegExp(`[\\\\/]node_modules[\\\\/]${from.replace('/', '[\\\\/]')}[\\\\/]`);
      b.onResolve({ filter: new RegExp(`^${pkg.replace('/', '\\/')}$`) }, (args) => (importer.test(args.importer) ? { path: pkg, namespace: 'on-demand' } : undefined));
      b.onLoad({ filter: new RegExp(`^${pkg.replace('/', '\\/')}$`), namespace: 'on-demand' }, () => {
        // `require` here is the chunk's (bin/load-bundle.cjs), so this resolves like Node would.
        const load = `require('node:module').createRequire(require.resolve(${JSON.stringify(`${from}/package.json`)}))(${JSON.stringify(pkg)})`;
        return { contents: stub(load), loader: 'js' };
      });
    }
  },
};

/**
 * Node built-ins that a bundled CommonJS file requires at load but calls only for options this server
 * does not use at start, each replaced there by a stand-in that requires the real module at the first
 * property read (the chunk's `require`, as before). Loading a built-in that is not in Node's start-up
 * snapshot compiles it and everything it requires:
 * - fastify/lib/server.js: node:http2 (with tls, https: ~17 ms of CPU, used only with the `http2`
 *   option), node:https (only with `https`), node:dns (only to listen on every address of a host name).
 */
const BUILTINS_ON_DEMAND = [{ file: /[\\/]node_modules[\\/]fastify[\\/]lib[\\/]server\.js$/, builtins: ['node:http2', 'node:https', 'node:dns'] }];
const builtinsOnDemand = {
  name: 'builtins-on-demand',
  setup(b) {
    for (const { file, builtins } of BUILTINS_ON_DEMAND) {
      const filter = new RegExp(`^(${builtins.join('|')})$`);
      b.onResolve({ filter }, (args) => (file.test(args.importer) ? { path: args.path, namespace: 'builtins-on-demand' } : undefined));
    }
    b.onLoad({ filter: /.*/, namespace: 'builtins-on-demand' }, (args) => ({
      // A variable, so esbuild leaves the require to run time instead of resolving it back here.
      contents: `const id = ${JSON.stringify(args.path)}; let real; module.exports = new Proxy({}, { get: (_t, key) => (real ??= require(id))[key], has: (_t, key) => key in (real ??= require(id)) });`,
      loader: 'js',
    }));
  },
};

/**
 * undici (~1 MB of source, ~45 ms of module initialisation) is what our code calls for every upstream
 * request, but no start needs it: the server listens, answers /health and serves the UI without one
 * outgoing request. Our imports of 'undici' get a stand-in with the same names that requires the real
 * package on first use, from dist/undici.cjs (undici bundled alone, built below): one file, compiled
 * only when the first model list, chat or fetch goes out. Classes are proxies whose `new`, statics and
 * `instanceof` reach the real class; `errors` is a proxy of the real `errors`.
 */
const UNDICI_NAMES = ['Pool', 'Agent', 'WebSocket', 'errors', 'request', 'fetch', 'buildConnector'];
const undiciOnDemand = {
  name: 'undici-on-demand',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, (args) => (/[\\/]node_modules[\\/]/.test(args.importer) ? undefined : { path: 'undici', namespace: 'undici-on-demand' }));
    b.onLoad({ filter: /.*/, namespace: 'undici-on-demand' }, () => {
      const lines = [
        // A variable, so esbuild leaves the require to run time (the file sits beside every chunk); the
        // chunk's `require` is bin/load-bundle.cjs's, which compiles it with the code cache too.
        "const file = './undici.cjs';",
        'let real;',
        'const load = () => (real ??= require(file));',
        'const lazy = (name, target) => new Proxy(target, {',
        '  get: (_t, key) => Reflect.get(load()[name], key),',
        '  has: (_t, key) => key in load()[name],',
        '  construct: (_t, args, newTarget) => Reflect.construct(load()[name], args, newTarget === proxies[name] ? load()[name] : newTarget),',
        '  apply: (_t, self, args) => Reflect.apply(load()[name], self, args),',
        '});',
        'const proxies = {};',
        ...UNDICI_NAMES.map((n) => `export const ${n} = proxies.${n} = lazy(${JSON.stringify(n)}, ${n === 'errors' ? '{}' : 'function () {}'});`),
      ];
      return { contents: lines.join('\n'), resolveDir: process.cwd(), loader: 'js' };
    });
  },
};

/**
 * find-my-way compiles functions (`new Function`) while routes are registered, most of which an idle
 * server never calls (~400 routes, each GET with its HEAD twin):
 * - a prefix matcher for every static node of the route tree, and again for each node a later route
 *   splits (compilePrefixMatch): each node gets a matcher that compiles the real one at its first match
 *   and puts it in its place, so a request meets the same compiled matcher from the second lookup of that
 *   node on. findRoute's walk (Fastify looks up the HEAD route of every GET it registers) compares the
 *   prefix with startsWith instead, so registering routes does not compile them after all; the compiled
 *   matcher tests the same characters (the caller has matched the first one);
 * - per route, the function that builds its params object (_compileCreateParamsObject), compiled at the
 *   route's first match instead;
 * - per node with a handler, the constraint matcher (_compileGetHandlerMatchingConstraints), called only
 *   for routes with constraints (none here): its source is built as before, compiled at its first call.
 * The build fails if find-my-way's source no longer has the lines this rewrites.
 */
const FIND_MY_WAY_REWRITES = [
  {
    file: 'node.js',
    sites: [
      ['this.matchPrefix = kind === NODE_TYPES.STATIC ? compilePrefixMatch(prefix) : null', 'this.matchPrefix = kind === NODE_TYPES.STATIC ? lazyPrefixMatch(prefix) : null'],
      ['this.matchPrefix = compilePrefixMatch(childPrefix)', 'this.matchPrefix = lazyPrefixMatch(childPrefix)'],
      ['const staticChild = this.findStaticMatchingChild(path, pathIndex)', 'const staticChild = findStaticChildUncompiled(this, path, pathIndex)'],
    ],
    // Called as `node.matchPrefix(path, i)` (the one call site), so `this` is the node.
    append: `
function lazyPrefixMatch (prefix) {
  return function matchPrefixOnce (path, i) {
    const match = compilePrefixMatch(prefix)
    this.matchPrefix = match
    return match(path, i)
  }
}
function findStaticChildUncompiled (node, path, pathIndex) {
  const charCode = path.charCodeAt(pathIndex)
  const charCodes = node.staticChildrenCharCodes
  for (let i = 0; i < charCodes.length; i++) {
    if (charCodes[i] === charCode) {
      const staticChild = node.staticChildrenNodes[i]
      return path.startsWith(staticChild.prefix, pathIndex) ? staticChild : null
    }
  }
  return null
}
`,
  },
  {
    file: 'handler-storage.js',
    sites: [
      ['_createParamsObject: this._compileCreateParamsObject(params)', '_createParamsObject: lazyCreateParamsObject(this, params)'],
      ["this._getHandlerMatchingConstraints = new Function('derivedConstraints', lines.join('\\n'))", "this._getHandlerMatchingConstraints = lazyConstraintMatcher(lines.join('\\n'))"],
    ],
    // Called as `handle._createParamsObject(...)` and `storage._getHandlerMatchingConstraints(...)`.
    append: `
function lazyCreateParamsObject (storage, params) {
  return function createParamsObjectOnce (param0, param1, param2, param3, extraParams) {
    const fn = storage._compileCreateParamsObject(params)
    this._createParamsObject = fn
    return fn(param0, param1, param2, param3, extraParams)
  }
}
function lazyConstraintMatcher (source) {
  return function getHandlerMatchingConstraintsOnce (derivedConstraints) {
    const fn = new Function('derivedConstraints', source) // eslint-disable-line
    this._getHandlerMatchingConstraints = fn
    return fn.call(this, derivedConstraints)
  }
}
`,
  },
];
const lazyRouteMatchers = {
  name: 'lazy-route-matchers',
  setup(b) {
    for (const { file, sites, append } of FIND_MY_WAY_REWRITES) {
      const filter = new RegExp(`[\\\\/]node_modules[\\\\/]find-my-way[\\\\/]lib[\\\\/]${file.replace('.', '\\.')}$`);
      b.onLoad({ filter }, (args) => {
        let out = readFileSync(args.path, 'utf8');
        for (const [from, to] of sites) {
          if (out.split(from).length !== 2) throw new Error(`lazy-route-matchers: find-my-way changed, not found once in ${file}: ${from}`);
          out = out.replace(from, () => to);
        }
        return { contents: out + append, loader: 'js' };
      });
    }
  },
};

function isCommonJs(file) {
  if (file.endsWith('.cjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) return JSON.parse(readFileSync(pkg, 'utf8')).type !== 'module';
  }
  return true;
}

const MINIFY = { minifyWhitespace: true, minifySyntax: true };

// The ESM build stays in memory: only its CommonJS form (below) is written.
const result = await build({
  write: false,
  entryPoints: { server: 'src/server.ts' },
  // Chunks sit beside server.cjs (not in a subfolder): code that finds files relative to its own
  // import.meta.url (the extraction worker, the web build) resolves the same from every chunk.
  outdir: 'dist',
  chunkNames: 'chunk-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // Whitespace and syntax minified: the source V8 keeps in its heap (the whole text of every loaded file,
  // for Function.prototype.toString and lazy compilation) and its line-end tables shrink by a third.
  // Identifiers are not renamed, so stack traces, logged error types and Fastify plugin names keep their
  // names (renaming saved ~1.7 MB more; keepNames, to keep them, cost more than it saved).
  ...MINIFY,
  external: external.flatMap((d) => [d, `${d}/*`]),
  logLevel: 'warning',
  plugins: [cjsDynamicImport, zodEnglishOnly, onDemand, builtinsOnDemand, undiciOnDemand, lazyRouteMatchers],
  metafile: true,
});

mkdirSync('dist', { recursive: true });
// Code caches of the last build are of other sources (bin/load-bundle.cjs also keys them by build id).
rmSync('dist/.v8-cache', { recursive: true, force: true });
// The entry of the old ESM layout, if this dist had one (its chunks go with the rule further down).
for (const f of ['dist/server.js', 'dist/server.js.map']) rmSync(f, { force: true });

/**
 * One ESM output file as CommonJS, for bin/load-bundle.cjs. esbuild turns `import ... from './chunk-X.js'`
 * into `require('./chunk-X.js')` (the loader maps it to chunk-X.cjs, evaluated once, like an ES module),
 * each export into a getter (so bindings stay live, as an ES module's do), and `import()` into a promise
 * of the required module. `import.meta.url` becomes the file's own URL, which the loader passes in, so
 * paths resolved against it (worker files, the web build) do not change. The source map is composed
 * with the ESM build's, so it still points into src/ and node_modules/.
 */
async function writeCommonJs(esm, esmMap) {
  const name = path.basename(esm.path, '.js');
  const code = esm.text.replace(/\n\/\/# sourceMappingURL=[^\n]*\n?$/, '\n');
  const out = await transform(code, {
    format: 'cjs',
    loader: 'js',
    platform: 'node',
    target: 'node20',
    ...MINIFY,
    define: { 'import.meta.url': '__owuiImportMetaUrl' },
    supported: { 'dynamic-import': false },
    sourcemap: 'external',
    sourcefile: `${name}.js`,
  });
  const map = remapping([JSON.parse(out.map), JSON.parse(esmMap.text)], () => null);
  map.file = `${name}.cjs`;
  writeFileSync(`dist/${name}.cjs`, `${out.code}//# sourceMappingURL=${name}.cjs.map\n`);
  writeFileSync(`dist/${name}.cjs.map`, JSON.stringify(map));
  return `${name}.cjs`;
}
const maps = new Map(result.outputFiles.filter((f) => f.path.endsWith('.js.map')).map((f) => [f.path.slice(0, -4), f]));
const written = await Promise.all(result.outputFiles.filter((f) => f.path.endsWith('.js')).map((f) => writeCommonJs(f, maps.get(f.path))));

// The real undici for the stand-in above: bundled alone as CommonJS (what the package itself is).
await build({
  entryPoints: [createRequire(import.meta.url).resolve('undici')],
  outfile: 'dist/undici.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  ...MINIFY,
  logLevel: 'warning',
});

// Chunk names carry a hash, so old ones would pile up. A server already running from the previous
// build loads its chunks at first use, possibly after this rebuild: its chunks are kept one build
// longer (dist/chunks.json lists the last build's), older ones removed.
const produced = new Set(written.flatMap((f) => [f, `${f}.map`]));
const previous = existsSync('dist/chunks.json') ? new Set(JSON.parse(readFileSync('dist/chunks.json', 'utf8'))) : new Set();
for (const f of readdirSync('dist').filter((n) => n.startsWith('chunk-'))) if (!produced.has(f) && !previous.has(f)) rmSync(`dist/${f}`);
writeFileSync('dist/chunks.json', JSON.stringify([...produced].filter((n) => n.startsWith('chunk-'))));

// esbuild escapes non-ASCII characters in code but keeps them in comments; one such character makes V8
// hold the whole 6 MB source as a two-byte string (12 MB of heap, for as long as the process runs).
// Escaping them keeps the source one-byte; in a comment the escape is just text.
for (const out of readdirSync('dist').filter((n) => n.endsWith('.js') || n.endsWith('.cjs')).map((n) => `dist/${n}`)) {
  const text = readFileSync(out, 'utf8');
  const ascii = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (ascii !== text) writeFileSync(out, ascii);
}

// What bin/load-bundle.cjs keys its code caches by: a hash of this build's code.
const buildHash = createHash('sha256');
for (const f of [...written, 'undici.cjs'].sort()) buildHash.update(f).update(readFileSync(`dist/${f}`));
writeFileSync('dist/build-id', buildHash.digest('hex').slice(0, 16));

// The document-extraction worker runs from its own file (worker threads start from a path); its parsers
// (pdf.js, mammoth, officeparser) are loaded only there, from node_modules.
for (const f of ['extract-worker.mjs', 'splitters.mjs']) copyFileSync(`src/rag/extract/${f}`, `dist/${f}`);
// Likewise the embedded vector store's search worker and its bit index.
for (const f of ['knn-worker.mjs', 'bit-index.mjs']) copyFileSync(`src/rag/vector/${f}`, `dist/${f}`);

/**
 * One start of the new build writes its code cache (bin/load-bundle.cjs), so that an install whose
 * server may not write dist/ (the Docker image, the systemd unit: only DATA_DIR is theirs) starts from
 * the cache too, and no writable code directory is needed at run time. The start gets an empty
 * temporary DATA_DIR, a free loopback port and none of this shell's variables (no DATABASE_URL or
 * REDIS_URL of the machine, no NODE_OPTIONS: its flags would key the cache). A build never fails on it:
 * the server then writes the cache at its first start when it may, or compiles as before.
 */
async function primeCodeCache() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'owui-prime-'));
  const env = { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '0', GLOBAL_LOG_LEVEL: 'error', ENABLE_OLLAMA_API: 'false', ENABLE_OPENAI_API: 'false' };
  const child = spawn(process.execPath, ['bin/open-webui.mjs', 'serve'], { env, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const id = readFileSync('dist/build-id', 'utf8').trim();
  const dir = path.join('dist', '.v8-cache', `${id}-${process.version}-${process.arch}`);
  const primed = () => existsSync(dir) && readdirSync(dir).some((f) => f.startsWith('server.import-') && f.endsWith('.bin'));
  try {
    for (const t0 = Date.now(); !primed() && child.exitCode === null && Date.now() - t0 < 20_000; ) await new Promise((r) => setTimeout(r, 25));
    if (!primed()) console.warn('build: the code cache was not written (the server did not start); the first start compiles instead');
  } finally {
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}
await primeCodeCache();

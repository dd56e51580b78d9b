'use strict';
// Loads the server bundle (dist/*.cjs, made by build.mjs) with V8's code cache: one start of a build
// (the one build.mjs makes, else the first one that may write dist/) compiles its files and, once it is
// up, writes what V8 compiled to dist/.v8-cache/; every later start hands that to V8 instead of
// compiling the ~1.9 MB again (bench/RESULTS.md, "start-up round 6").
// Node 20 caches neither ES modules nor CommonJS files on its own, hence this small loader: each file
// runs once, wrapped like a CommonJS module, with its own URL for `import.meta.url`.
//
// V8 accepts a cache only for the same V8 version and flags it was made with, and checks the source's
// length, not its text, so caches live in a directory named for the build (dist/build-id, a hash of its
// code) and the Node version. A cache V8 rejects (other flags, a changed Node) is compiled and written
// again; one that cannot be read or written (a read-only install) is skipped, never an error.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const v8 = require('node:v8');
const { createRequire } = require('node:module');
const { pathToFileURL } = require('node:url');

// On a line of its own (and `lineOffset: -1`), so that stack traces give the file's own lines and columns.
const HEAD = '(function (exports, require, module, __filename, __dirname, __owuiImportMetaUrl) {"use strict";\n';
const TAIL = '\n})';
// How long after a file compiled without a cache (once the server is up) its cache is written: by then
// the request that loaded it has run, and the cache holds the functions that ran, not only its top level.
const WRITE_DELAY_MS = 1000;

/**
 * `flags(phase)`: the V8 flags the bin sets in that phase of a start. A script's cache must be made
 * under the flags it was compiled under (V8 rejects it otherwise), so writing sets them for a moment.
 */
function openBundle(dir, { flags = () => [] } = {}) {
  const distDir = path.resolve(dir);
  const modules = new Map();
  const pending = new Map();
  let phase = 'run';
  let starting = true;
  let writable = true;
  let timer;
  const writeSoon = (ms) => {
    clearTimeout(timer);
    timer = setTimeout(writeCaches, ms).unref();
  };
  let cacheDir;
  try {
    const id = fs.readFileSync(path.join(distDir, 'build-id'), 'utf8').trim();
    if (/^[0-9a-f]{8,64}$/.test(id)) cacheDir = path.join(distDir, '.v8-cache', `${id}-${process.version}-${process.arch}`);
  } catch {
    // No build id (a stub build): no cache.
  }
  const stats = { files: 0, cached: 0, rejected: 0, written: 0 };

  // Named for the flags too (the phase's and node's own: NODE_OPTIONS, `node --flag`), so that starts with
  // other flags (a verb without the phase flags, a profiling run) keep their own cache, not each other's.
  const nodeFlags = `${process.execArgv.join(' ')}|${process.env.NODE_OPTIONS ?? ''}`;
  const cacheFile = (name, ph) => path.join(cacheDir, `${name}.${ph}-${hash(`${flags(ph).join(' ')}|${nodeFlags}`)}.bin`);

  function writeCaches() {
    timer = undefined;
    const jobs = [...pending];
    pending.clear();
    for (const [name, { script, phase: ph }] of jobs) {
      let data;
      try {
        for (const f of flags(ph)) v8.setFlagsFromString(f);
        data = script.createCachedData();
      } finally {
        for (const f of flags(phase)) v8.setFlagsFromString(f);
      }
      try {
        fs.mkdirSync(cacheDir, { recursive: true });
        // Renamed into place, so a start beside this one (two instances) reads all of it or nothing.
        const tmp = `${cacheFile(name, ph)}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, data);
        fs.renameSync(tmp, cacheFile(name, ph));
        stats.written++;
      } catch {
        writable = false; // Read-only or full: compile as before, and stop trying.
        return;
      }
    }
  }

  function load(name) {
    const known = modules.get(name);
    if (known) return known.exports;
    const file = path.join(distDir, `${name}.cjs`);
    const source = wrapped(file);
    let cachedData;
    if (cacheDir) {
      try {
        cachedData = fs.readFileSync(cacheFile(name, phase));
      } catch {
        // Not written yet.
      }
    }
    const script = new vm.Script(source, { filename: file, lineOffset: -1, cachedData });
    stats.files++;
    if (cachedData && !script.cachedDataRejected) stats.cached++;
    else {
      if (cachedData) stats.rejected++;
      if (cacheDir && writable) {
        pending.set(name, { script, phase });
        if (!starting) writeSoon(WRITE_DELAY_MS);
      }
    }
    const module = { exports: {} };
    modules.set(name, module);
    const real = createRequire(file);
    const req = (id) => (isBundleFile(id) ? load(id.slice(2).replace(/\.c?js$/, '')) : real(id));
    req.resolve = real.resolve;
    req.cache = real.cache;
    script.runInThisContext().call(module.exports, module.exports, req, module, file, distDir, pathToFileURL(file).href);
    return module.exports;
  }

  return {
    load,
    /** The phase of the start the next files load in (their cache is made under its flags). */
    setPhase(p) {
      phase = p;
    },
    /**
     * The start is over (the server listens): the caches of the files it compiled are written right
     * away, holding every function the start ran, so that the next start, however soon, has them.
     */
    started() {
      starting = false;
      if (pending.size) writeSoon(0);
    },
    stats: () => ({ ...stats }),
  };
}

/**
 * The file's text inside the wrapper, as one string read straight into its final place: reading it as
 * a string and then concatenating would leave a second copy of every large file (server.cjs is ~0.9
 * MB) in V8's large-object space until a full GC, i.e. in the idle RSS. build.mjs writes the files
 * as ASCII, so latin1 is their exact decoding.
 */
function wrapped(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(HEAD.length + size + TAIL.length);
    buf.write(HEAD, 0, 'latin1');
    for (let at = 0; at < size; ) {
      const n = fs.readSync(fd, buf, HEAD.length + at, size - at, null);
      if (n === 0) throw new Error(`${file}: shorter than its size`);
      at += n;
    }
    buf.write(TAIL, HEAD.length + size, 'latin1');
    return buf.toString('latin1');
  } finally {
    fs.closeSync(fd);
  }
}

/** FNV-1a of a short string, in hex (node:crypto is not loaded at this point of a start). */
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16);
}

/** `./chunk-X.js` (an import of the ESM build), `./chunk-X.cjs`, `./undici.cjs`: files of the bundle. */
function isBundleFile(id) {
  return /^\.\/[\w-]+\.c?js$/.test(id);
}

module.exports = { openBundle };

#!/usr/bin/env node
// Entry point of the `open-webui` command (`npx open-webui ...` in a checkout, or on the PATH after
// `npm install -g`). The server runs from the bundle ../dist/server.cjs that `npm run build` makes. A fresh
// clone has no bundle yet: build it on demand when the build tool is installed (a checkout after
// `npm install`), otherwise say which command to run instead of dying with ERR_MODULE_NOT_FOUND.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(serverDir, 'dist');
const entry = path.join(dist, 'server.cjs');

function canBuild() {
  if (!fs.existsSync(path.join(serverDir, 'build.mjs'))) return false;
  try {
    createRequire(path.join(serverDir, 'build.mjs')).resolve('esbuild');
    return true;
  } catch {
    return false;
  }
}

if (!fs.existsSync(entry)) {
  const root = path.dirname(serverDir);
  if (!canBuild()) {
    console.error(`open-webui: the server is not built yet (${entry} is missing).\nRun \`npm install && npm run build\` in ${root} first.`);
    process.exit(1);
  }
  // stderr, so that `doctor --json` keeps a clean stdout.
  console.error('open-webui: first run in this checkout: building the server...');
  // Imported here: node:child_process is ~3 ms of a start that does not need it.
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, ['build.mjs'], { cwd: serverDir, stdio: ['ignore', 2, 2] });
  if (r.status !== 0 || !fs.existsSync(entry)) {
    console.error(`open-webui: building the server failed. Run \`npm run build\` in ${root} and read its errors.`);
    process.exit(1);
  }
}

// Start-up allocates fast and keeps much of it (module code, route tables), which makes V8 double the
// young generation up to its 2 x 16 MB maximum within the first few hundred ms, and those pages stay
// resident until the memory reducer runs ~30 s later. Not growing it during start-up keeps ~30 MB of RSS
// off an idle server (`serve` only: the other verbs do not idle). V8's default factor is back once the
// server listens (the 'run' phase below).
// Start-up code runs once, yet some of it (route registration, schema construction, migrations checks)
// runs often enough for V8 to compile it again with Sparkplug and TurboFan: compiler work on the main and
// a background thread, and the optimising compiler's code pages and zones stay resident (~7 MB of RSS 1 s
// after start). TurboFan is off until the server listens; Sparkplug only
// while the bundle's modules evaluate: code that runs during main() (Node's streams, events and timers
// among it) and then serves requests streamed 5-6 % more CPU per chunk when Sparkplug had been held off
// through main() too, and holding it there saved neither start-up CPU nor RSS (bench/RESULTS.md).
// Flags the operator gave (NODE_OPTIONS, node's own arguments) are theirs: a tier they set, or
// --jitless, is left alone and not turned on after listen.
const verb = process.argv[2];
const startTuning = !verb || verb === 'serve' || verb.startsWith('-');
const ownJitFlags = /jitless|turbofan|sparkplug/.test([...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' '));
// The flags of each phase of a start: while the bundle's modules evaluate, then in main() until the
// server listens, then from there on (V8's defaults: growth factor 2, both compilers on). The code cache
// of a file is made under the flags of the phase it was compiled in (bin/load-bundle.cjs).
const PHASES = new Map([
  ['import', ['--semi-space-growth-factor=1', '--no-turbofan', '--no-sparkplug']],
  ['main', ['--semi-space-growth-factor=1', '--no-turbofan', '--sparkplug']],
  ['run', ['--semi-space-growth-factor=2', '--turbofan', '--sparkplug']],
]);
const flags = (phase) => (startTuning ? PHASES.get(phase).filter((f) => !ownJitFlags || f.startsWith('--semi-space')) : []);
const enter = (phase) => {
  for (const f of flags(phase)) v8.setFlagsFromString(f);
  bundle.setPhase(phase);
};
const bundle = createRequire(import.meta.url)('./load-bundle.cjs').openBundle(dist, { flags });
enter('import');
const { main } = bundle.load('server');
enter('main');
await main(undefined, {
  onListening: () => {
    enter('run');
    bundle.started();
  },
});

// `npm start` runs the built server. On a fresh clone (or after sources changed) build first, so
// "npm install && npm start" just works; otherwise start at once.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

function newest(dir) {
  let t = 0;
  if (!fs.existsSync(dir)) return t;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules') continue;
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

const mtime = (f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : 0);
const sources = Math.max(newest(path.join(root, 'server', 'src')), newest(path.join(root, 'contracts', 'src')));
const webSources = newest(path.join(root, 'web', 'src'));
const serverStale = mtime(path.join(root, 'server', 'dist', 'server.cjs')) < sources;
const webStale = fs.existsSync(path.join(root, 'web', 'package.json')) && mtime(path.join(root, 'web', 'build', 'index.html')) < Math.max(webSources, sources);

if (serverStale || webStale) {
  console.log('Building (first start or sources changed)...');
  const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

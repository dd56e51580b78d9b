#!/usr/bin/env node
// `npm run adopt -w bench [-- --users=2000 --chats=20000 --messages=10 --no-build]`
// Adopting an Open WebUI data directory: builds an Open WebUI 0.9 database (the reference DDL, WAL
// mode with every page still in -wal) holding N users and M chats, then starts the built server on it
// and measures the start-up that adopts it (time to /health, peak RSS) against a second start on the
// adopted data (no adoption), and `open-webui import` of the same directory into an empty DATA_DIR.
// Issue 15's target: 2,000 users and 20,000 chats in < 60 s with bounded memory.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { makeChat } from './lib/fixtures.mjs';
import { buildServer, procStats, removeTempDirs, ROOT, sleep, startServer, tempDataDir } from './lib/procs.mjs';
import { round } from './lib/stats.mjs';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '2000' },
    chats: { type: 'string', default: '20000' },
    messages: { type: 'string', default: '10' },
    'no-build': { type: 'boolean', default: false },
  },
});
const USERS = Number(values.users);
const CHATS = Number(values.chats);
const MESSAGES = Number(values.messages);
// bcrypt of "bench-pw" at cost 4 (the original uses 12; verifying is not what is measured here).
const HASH = '$2b$04$ZshxAZEbjVCuunpiuW6jkei7w4RF7eOKPuf0rLpVRc5KD34J/PQca';

function schemaFile() {
  for (let dir = ROOT; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const d = path.join(dir, 'shared', 'reference', 'openwebui-db-schemas');
    if (fs.existsSync(d)) return path.join(d, fs.readdirSync(d).find((f) => f.startsWith('0.9.0')));
  }
  throw new Error('shared/reference/openwebui-db-schemas not found above the repository');
}

function buildOpenWebUI(dir) {
  const work = `${dir}-build`;
  fs.mkdirSync(work, { recursive: true });
  const db = new Database(path.join(work, 'webui.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec(fs.readFileSync(schemaFile(), 'utf8'));
  const user = db.prepare(`insert into user (id, name, email, role, profile_image_url, created_at, updated_at, last_active_at, settings, info) values (?, ?, ?, ?, '/user.png', ?, ?, ?, '{}', '{}')`);
  const auth = db.prepare(`insert into auth (id, email, password, active) values (?, ?, ?, 1)`);
  const chat = db.prepare(`insert into chat (id, user_id, title, chat, created_at, updated_at, share_id, archived, pinned, meta, folder_id) values (?, ?, ?, ?, ?, ?, null, 0, 0, ?, null)`);
  const t = Math.floor(Date.now() / 1000);
  const ids = [];
  db.transaction(() => {
    for (let i = 0; i < USERS; i++) {
      const id = randomUUID();
      ids.push(id);
      user.run(id, `User ${i}`, `user${i}@example.com`, i === 0 ? 'admin' : 'user', t, t, t);
      auth.run(id, `user${i}@example.com`, HASH);
    }
  })();
  let bytes = 0;
  const doc = JSON.stringify(makeChat({ messages: MESSAGES, contentBytes: 200 }));
  for (let start = 0; start < CHATS; start += 1000) {
    db.transaction(() => {
      for (let i = start; i < Math.min(CHATS, start + 1000); i++) {
        bytes += doc.length;
        chat.run(randomUUID(), ids[i % ids.length], `Chat ${i}`, doc, t - i, t - i, JSON.stringify({ tags: i % 3 ? [] : ['work'] }));
      }
    })();
  }
  db.prepare(`insert into config (id, data, version) values (1, ?, 0)`).run(JSON.stringify({ ui: { enable_signup: false } }));
  db.prepare(`insert into alembic_version (version_num) values ('56359461a091')`).run();
  fs.mkdirSync(dir, { recursive: true });
  for (const s of ['', '-wal', '-shm']) fs.copyFileSync(path.join(work, `webui.db${s}`), path.join(dir, `webui.db${s}`));
  const walMb = fs.statSync(path.join(dir, 'webui.db-wal')).size / 1e6;
  db.close();
  fs.rmSync(work, { recursive: true, force: true });
  return { chatMb: bytes / 1e6, walMb };
}

/** Runs the CLI to completion, sampling its peak RSS. */
async function runCli(args, env) {
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'server', 'bin', 'open-webui.mjs'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, GLOBAL_LOG_LEVEL: 'error', ...env },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  let hwmMb = 0;
  let done = false;
  const exit = new Promise((r) => child.once('exit', (code) => ((done = true), r(code))));
  while (!done) {
    try {
      hwmMb = Math.max(hwmMb, procStats(child.pid).hwmMb);
    } catch {
      /* exited between checks */
    }
    await sleep(20);
  }
  const code = await exit;
  if (code !== 0) throw new Error(`open-webui ${args.join(' ')} exited ${code}:\n${out}`);
  return { ms: performance.now() - t0, hwmMb, out };
}

if (!values['no-build']) buildServer();
try {
  const dataDir = tempDataDir('adopt');
  console.error(`building an Open WebUI 0.9 database: ${USERS} users, ${CHATS} chats of ${MESSAGES} messages...`);
  const size = buildOpenWebUI(dataDir);
  const importDir = tempDataDir('adopt-src');
  for (const f of fs.readdirSync(dataDir)) fs.copyFileSync(path.join(dataDir, f), path.join(importDir, f));

  const first = await startServer({ dataDir, env: { WEBUI_SECRET_KEY: 'bench' } });
  const adoptStats = first.stats();
  await first.stop();
  const second = await startServer({ dataDir, env: { WEBUI_SECRET_KEY: 'bench' } });
  const plainStats = second.stats();
  await second.stop();
  const imported = await runCli(['import', importDir], { DATA_DIR: tempDataDir('adopt-dst') });

  const rows = [
    ['start-up that adopts (to /health)', round(first.startMs / 1000), round(adoptStats.hwmMb, 0)],
    ['second start (already adopted)', round(second.startMs / 1000), round(plainStats.hwmMb, 0)],
    ['open-webui import <dir> (whole run)', round(imported.ms / 1000), round(imported.hwmMb, 0)],
  ];
  console.log(`\nAdoption of ${USERS} users and ${CHATS} chats (${round(size.chatMb, 0)} MB of chat JSON, ${round(size.walMb, 0)} MB only in -wal)\n`);
  console.log('| run | seconds | peak RSS MB |\n| --- | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(`\ntarget: < 60 s; memory bounded (peak RSS should not grow with the chat volume: compare --chats=5000)`);
} finally {
  removeTempDirs();
}

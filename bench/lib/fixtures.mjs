// Data the scenarios need: an account with a token, a populated database, chat documents of a given size.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { request } from 'undici';
import { startServer, tempDataDir } from './procs.mjs';

const require = createRequire(import.meta.url);

export const BENCH_USER = { name: 'Bench Admin', email: 'bench@example.com', password: 'Bench-passw0rd!' };

async function postJson(url, body, headers = {}) {
  const r = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await r.body.text();
  return { status: r.statusCode, text, json: () => JSON.parse(text) };
}

/** Signs up the bench admin (the first account is the admin) or signs in; returns the session. */
export async function session(serverUrl) {
  let r = await postJson(`${serverUrl}/api/v1/auths/signup`, BENCH_USER);
  if (r.status !== 200) r = await postJson(`${serverUrl}/api/v1/auths/signin`, { email: BENCH_USER.email, password: BENCH_USER.password });
  if (r.status !== 200) throw new Error(`cannot sign in: ${r.status} ${r.text.slice(0, 300)}`);
  const s = r.json();
  return { token: s.token, userId: s.id, headers: { authorization: `Bearer ${s.token}` } };
}

/**
 * A chat document as the web UI sends it: the message tree in `history.messages` plus the same
 * messages as a list in `messages`, alternating user/assistant turns.
 */
export function makeChat({ messages, contentBytes, title = 'Bench chat' }) {
  const filler = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ';
  const text = filler.repeat(Math.ceil(contentBytes / filler.length)).slice(0, contentBytes);
  const map = {};
  const list = [];
  let parent = null;
  const t = Math.floor(Date.now() / 1000);
  for (let i = 0; i < messages; i++) {
    const id = randomUUID();
    const m = { id, parentId: parent, childrenIds: [], role: i % 2 ? 'assistant' : 'user', content: `${i}: ${text}`, timestamp: t + i };
    if (i % 2) Object.assign(m, { model: 'bench-llama:latest', modelName: 'bench-llama:latest', done: true });
    else m.models = ['bench-llama:latest'];
    if (parent) map[parent].childrenIds.push(id);
    map[id] = m;
    list.push(m);
    parent = id;
  }
  return { id: '', title, models: ['bench-llama:latest'], params: {}, history: { messages: map, currentId: parent }, messages: list, tags: [], timestamp: t * 1000 };
}

/** Appends one user turn to a chat document (what the UI does before it asks the model). */
export function appendTurn(chat, content) {
  const id = randomUUID();
  const parent = chat.history.currentId;
  const m = { id, parentId: parent, childrenIds: [], role: 'user', content, timestamp: Math.floor(Date.now() / 1000), models: chat.models };
  if (parent) chat.history.messages[parent].childrenIds.push(id);
  chat.history.messages[id] = m;
  chat.history.currentId = id;
  chat.messages.push(m);
  return chat;
}

/**
 * A data directory whose database holds `users` accounts (the first is the bench admin, created
 * through the API so its password works) and `chats` small chats owned by that admin. The schema
 * comes from one real start-up (migrations); the bulk rows go straight into SQLite.
 */
export async function populatedDataDir({ users = 1000, chats = 10000 } = {}) {
  const dataDir = tempDataDir('populated');
  const srv = await startServer({ dataDir });
  const s = await session(srv.url);
  await srv.stop();

  const Database = require('better-sqlite3');
  const db = new Database(path.join(dataDir, 'webui.db'));
  db.pragma('journal_mode = WAL');
  const hash = db.prepare('select password from auth where id = ?').get(s.userId).password;
  const now = Math.floor(Date.now() / 1000);
  const addUser = db.prepare(
    `insert into user (id, name, email, role, profile_image_url, last_active_at, updated_at, created_at) values (?, ?, ?, 'user', '/user.png', ?, ?, ?)`,
  );
  const addAuth = db.prepare('insert into auth (id, email, password, active) values (?, ?, ?, 1)');
  const addChat = db.prepare(
    `insert into chat (id, user_id, title, chat, created_at, updated_at, share_id, archived, pinned, meta, folder_id) values (?, ?, ?, ?, ?, ?, null, 0, 0, '{}', null)`,
  );
  db.transaction(() => {
    for (let i = 1; i < users; i++) {
      const id = randomUUID();
      const email = `user${i}@example.com`;
      addUser.run(id, `User ${i}`, email, now - i, now - i, now - i);
      addAuth.run(id, email, hash);
    }
    for (let i = 0; i < chats; i++) {
      const id = randomUUID();
      const chat = makeChat({ messages: 4, contentBytes: 300, title: `Chat ${i}` });
      chat.id = id;
      addChat.run(id, s.userId, chat.title, JSON.stringify(chat), now - chats + i, now - chats + i);
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const sizeMb = fs.statSync(path.join(dataDir, 'webui.db')).size / 1e6;
  return { dataDir, userId: s.userId, dbSizeMb: sizeMb };
}

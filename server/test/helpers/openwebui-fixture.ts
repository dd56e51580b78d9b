import fs from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import SQLite from 'better-sqlite3';
import { SignJWT } from 'jose';

/**
 * Builds an Open WebUI data directory from a real schema (the verbatim DDL under
 * shared/reference/openwebui-db-schemas) with synthetic rows in the original's formats: bcrypt
 * hashes, chat documents with a message tree, the settings blob (or per-key rows from 0.10), its
 * `.webui_secret_key`, and tokens signed the way the original signs them.
 */
export const SCHEMAS_DIR = findSchemas();

// The reference schemas live beside the repository (`../shared/reference/...` of a checkout).
function findSchemas(): string | null {
  let dir = __dirname;
  while (path.dirname(dir) !== dir) {
    const candidate = path.join(dir, 'shared', 'reference', 'openwebui-db-schemas');
    if (fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return null;
}

export function schemaFile(prefix: string): string {
  if (!SCHEMAS_DIR) throw new Error('shared/reference/openwebui-db-schemas not found above the repository');
  const hit = fs.readdirSync(SCHEMAS_DIR).find((f) => f.startsWith(prefix) && f.endsWith('.sql'));
  if (!hit) throw new Error(`no schema file starting with ${prefix}`);
  return path.join(SCHEMAS_DIR!, hit);
}

export interface FixtureUser {
  id: string;
  name: string;
  email: string;
  role: 'admin' | 'user' | 'pending';
  password: string;
  apiKey?: string;
}

export interface FixtureChat {
  id: string;
  userId: string;
  title: string;
  /** The stored document, exactly as the original writes it (JSON text). */
  doc: string;
  tags: string[];
  pinned: boolean;
  archived: boolean;
  folderId: string | null;
  shareId: string | null;
}

export interface Fixture {
  dir: string;
  file: string;
  revision: string;
  secret: string;
  users: FixtureUser[];
  chats: FixtureChat[];
  settings: typeof SETTINGS;
  workspace: typeof WORKSPACE;
  /** Tables given rows we do not carry yet, with how many. */
  extraRows: Record<string, number>;
  /** An HS256 token with `id` and `exp` (and from 0.10 `jti`/`iat`), as the original issues it. */
  token(userId: string): Promise<string>;
}

const SECRET = 'Zk3mQ9pX2vL7wN4a'; // what start.sh writes: base64 of 12 random bytes

export const SETTINGS = {
  version: 0,
  ui: {
    enable_signup: false,
    default_user_role: 'user',
    banners: [{ id: 'b1', type: 'info', title: 'Maintenance', content: 'Friday 18:00', dismissible: true, timestamp: 1700000000 }],
    ENABLE_LOGIN_FORM: true,
    default_models: 'llama3:8b',
  },
  auth: { enable_api_keys: true, jwt_expiry: '4w' },
  ollama: { enable: true, base_urls: ['http://gpu1.internal:11434', 'http://gpu2.internal:11434'], api_configs: { '0': { enable: true, prefix_id: 'g1' } } },
  openai: { enable: true, api_base_urls: ['https://api.openai.com/v1'], api_keys: ['sk-upstream-123'], api_configs: { '0': { enable: true, model_ids: ['gpt-4o'] } } },
  rag: { web: { search: { enable: true, engine: 'searxng' } }, chunk_size: 1500 },
};

/**
 * A stored chat document (text, as the original's JSON column holds it): a message tree with a
 * regenerated branch, and message ids `__proto__` and `constructor` that must stay plain data.
 */
function chatDoc(title: string, n: number): string {
  const m = (id: string, parentId: string | null, childrenIds: string[], role: string, content: string) =>
    `${JSON.stringify(id)}:${JSON.stringify({ id, parentId, childrenIds, role, content, timestamp: 1700000000 + n, ...(role === 'assistant' ? { model: 'llama3:8b', done: true } : { models: ['llama3:8b'] }) })}`;
  const messages = [
    m(`u${n}`, null, ['__proto__', `a${n}b`], 'user', `Question ${n}`),
    m('__proto__', `u${n}`, [], 'assistant', 'First answer'),
    m(`a${n}b`, `u${n}`, ['constructor'], 'assistant', 'Second answer **bold**'),
    m('constructor', `a${n}b`, [], 'user', 'Follow-up'),
  ].join(',');
  return `{"id":"","title":${JSON.stringify(title)},"models":["llama3:8b"],"params":{},"history":{"messages":{${messages}},"currentId":"constructor"},"messages":[],"tags":[],"timestamp":1700000000000}`;
}

interface BuildOptions {
  /** Prefix of the schema file, e.g. "0.6.32". */
  schema: string;
  dir: string;
  /** From 0.9 the original runs SQLite in WAL mode: leave recent pages only in `-wal`. */
  wal?: boolean;
  /** Extra users and chats, for size tests. */
  moreUsers?: number;
  moreChats?: number;
}

export async function buildFixture(opts: BuildOptions): Promise<Fixture> {
  const ddlFile = schemaFile(opts.schema);
  const revision = /__([0-9a-f]{12})\.sql$/.exec(ddlFile)?.[1] ?? '';
  fs.mkdirSync(opts.dir, { recursive: true });
  const file = path.join(opts.dir, 'webui.db');
  // Built elsewhere and copied in, so the WAL case can copy the three files of a live writer.
  const work = path.join(opts.dir, '..', `${path.basename(opts.dir)}-build`);
  fs.mkdirSync(work, { recursive: true });
  const workFile = path.join(work, 'webui.db');
  const db = new SQLite(workFile);
  if (opts.wal) {
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
  }
  db.exec(fs.readFileSync(ddlFile, 'utf8'));
  const cols = (t: string) => new Set((db.prepare(`select name from pragma_table_info(?)`).all(t) as { name: string }[]).map((r) => r.name));
  const tables = new Set((db.prepare(`select name from sqlite_master where type='table'`).all() as { name: string }[]).map((r) => r.name));
  const userCols = cols('user');
  const perKeyConfig = cols('config').has('key');

  const users: FixtureUser[] = [
    { id: 'u-admin', name: 'Ada Admin', email: 'ada@example.com', role: 'admin', password: 'Adm1n-pass!', apiKey: 'sk-0123456789abcdef0123456789abcdef' },
    { id: 'u-bob', name: 'Bob User', email: 'bob@example.com', role: 'user', password: 'b0b-secret' },
    { id: 'u-pat', name: 'Pat Pending', email: 'pat@example.com', role: 'pending', password: 'pending-pw' },
  ];
  for (let i = 0; i < (opts.moreUsers ?? 0); i++) users.push({ id: `u-${i}`, name: `User ${i}`, email: `user${i}@example.com`, role: 'user', password: `pw-${i}` });
  // Older schemas lack some columns (pinned, folder_id...): a value for a missing column is left out.
  const insert = (table: string, row: Record<string, unknown>) => {
    const have = cols(table);
    const keys = Object.keys(row).filter((k) => have.has(k) && row[k] !== undefined);
    if (keys.length === 0) return; // a table this old schema does not have
    db.prepare(`insert into "${table}" (${keys.map((k) => `"${k}"`).join(',')}) values (${keys.map(() => '?').join(',')})`).run(...keys.map((k) => row[k]));
  };
  const t0 = 1700000000;
  const hashes = new Map<string, string>();
  db.transaction(() => {
    users.forEach((u, i) => {
      // Cost 4 keeps the suite fast; the original uses 12, which verifies the same way.
      const hash = i < 3 ? bcrypt.hashSync(u.password, 4) : (hashes.get('bulk') ?? hashes.set('bulk', bcrypt.hashSync('bulk-pw', 4)).get('bulk')!);
      const row: Record<string, unknown> = { id: u.id, name: u.name, email: u.email, role: u.role, profile_image_url: '/user.png', created_at: t0 + i, updated_at: t0 + i, last_active_at: t0 + i };
      if (userCols.has('settings')) row.settings = JSON.stringify({ ui: { theme: 'dark' } });
      if (userCols.has('info')) row.info = JSON.stringify({ location: 'Berlin' });
      if (userCols.has('api_key') && u.apiKey) row.api_key = u.apiKey;
      if (userCols.has('timezone')) row.timezone = 'Europe/Berlin';
      if (userCols.has('oauth') && i === 1) row.oauth = JSON.stringify({ oidc: { sub: 'bob-sub' } });
      if (userCols.has('oauth_sub') && i === 1) row.oauth_sub = 'oidc@bob-sub';
      insert('user', row);
      insert('auth', { id: u.id, email: u.email, password: hash, active: 1 });
      if (tables.has('api_key') && u.apiKey) insert('api_key', { id: `k-${u.id}`, user_id: u.id, key: u.apiKey, created_at: t0, updated_at: t0 });
    });
  })();
  if (opts.moreUsers) for (const u of users.slice(3)) u.password = 'bulk-pw';

  const chats: FixtureChat[] = [
    { id: 'c-1', userId: 'u-admin', title: 'Pinned and tagged', doc: chatDoc('Pinned and tagged', 1), tags: ['work', 'ideas'], pinned: true, archived: false, folderId: 'f-1', shareId: 's-1' },
    { id: 'c-2', userId: 'u-admin', title: 'Archived', doc: chatDoc('Archived', 2), tags: [], pinned: false, archived: true, folderId: null, shareId: null },
    { id: 'c-3', userId: 'u-bob', title: '中文标题 ✓', doc: chatDoc('中文标题 ✓', 3), tags: ['work'], pinned: false, archived: false, folderId: null, shareId: null },
  ];
  for (let i = 0; i < (opts.moreChats ?? 0); i++) {
    chats.push({ id: `c-bulk-${i}`, userId: users[3 + (i % Math.max(1, users.length - 3))]!.id, title: `Chat ${i}`, doc: chatDoc(`Chat ${i}`, i + 10), tags: [], pinned: false, archived: false, folderId: null, shareId: null });
  }
  const chatCols = cols('chat');
  db.transaction(() => {
    for (const [i, c] of chats.entries()) {
      const row: Record<string, unknown> = {
        id: c.id, user_id: c.userId, title: c.title, chat: c.doc, created_at: t0 + i, updated_at: t0 + 100 + i,
        share_id: c.shareId, archived: c.archived ? 1 : 0, pinned: c.pinned ? 1 : 0, meta: JSON.stringify({ tags: c.tags }), folder_id: c.folderId,
      };
      if (chatCols.has('tasks') && i === 0) row.tasks = JSON.stringify([{ id: 't1', content: 'todo' }]);
      insert('chat', row);
    }
    for (const tagName of ['work', 'ideas']) insert('tag', { id: tagName, name: tagName[0]!.toUpperCase() + tagName.slice(1), user_id: 'u-admin', meta: null });
    // Before 0.3.33's (id, user_id) key a tag id was global: Bob's 'work' then cannot exist.
    if ((db.prepare(`select sql from sqlite_master where name = 'tag'`).get() as { sql: string } | undefined)?.sql.includes('PRIMARY KEY (id, user_id)')) {
      insert('tag', { id: 'work', name: 'Work', user_id: 'u-bob', meta: null });
    }
    // The share snapshot: a chat row owned by `shared-<id>` up to 0.8, table shared_chat from 0.9.
    const snapshot = chats[0]!;
    if (tables.has('shared_chat')) {
      insert('shared_chat', { id: 's-1', chat_id: snapshot.id, user_id: snapshot.userId, title: snapshot.title, chat: snapshot.doc, created_at: t0, updated_at: t0 });
    } else {
      insert('chat', { id: 's-1', user_id: `shared-${snapshot.id}`, title: snapshot.title, chat: snapshot.doc, created_at: t0, updated_at: t0, share_id: null, archived: 0, pinned: 0, meta: '{}', folder_id: null });
    }

    if (perKeyConfig) {
      // What 0.10's reshape migration writes: dotted keys, dict settings flattened, a few renamed.
      const rows: [string, unknown][] = [
        ['ui.enable_signup', SETTINGS.ui.enable_signup],
        ['ui.default_user_role', SETTINGS.ui.default_user_role],
        ['ui.banners', SETTINGS.ui.banners],
        ['ui.enable_login_form', SETTINGS.ui.ENABLE_LOGIN_FORM],
        ['ui.default_models', SETTINGS.ui.default_models],
        ['auth.enable_api_keys', SETTINGS.auth.enable_api_keys],
        ['auth.jwt_expiry', SETTINGS.auth.jwt_expiry],
        ['ollama.enable', true],
        ['ollama.base_urls', SETTINGS.ollama.base_urls],
        ['ollama.api_configs.0.enable', true],
        ['ollama.api_configs.0.prefix_id', 'g1'],
        ['openai.enable', true],
        ['openai.api_base_urls', SETTINGS.openai.api_base_urls],
        ['openai.api_keys', SETTINGS.openai.api_keys],
        ['openai.api_configs', SETTINGS.openai.api_configs],
        ['web.search.enable', true],
        ['web.search.engine', 'searxng'],
        ['rag.chunk_size', 1500],
        ['version', 0],
      ];
      for (const [key, value] of rows) insert('config', { key, value: JSON.stringify(value), updated_at: t0 });
      if (tables.has('config_old')) insert('config_old', { id: 1, data: JSON.stringify(SETTINGS), version: 0, created_at: '2024-01-01 00:00:00', updated_at: '2024-01-01 00:00:00' });
    } else {
      insert('config', { id: 1, data: JSON.stringify({ ...SETTINGS, ui: { ...SETTINGS.ui, enable_signup: true } }), version: 0, created_at: '2024-01-01 00:00:00', updated_at: '2024-01-01 00:00:00' });
      insert('config', { id: 2, data: JSON.stringify(SETTINGS), version: 0, created_at: '2024-02-01 10:00:00', updated_at: '2024-02-01 10:00:00' });
    }

    if (tables.has('alembic_version')) {
      db.prepare(`delete from alembic_version`).run();
      insert('alembic_version', { version_num: revision });
    }
    if (tables.has('migratehistory')) insert('migratehistory', { id: 1, name: '018_add_function_is_global', migrated_at: '2024-01-01 00:00:00' });
  })();

  db.transaction(() => insertWorkspace(tables, cols, insert))();

  // Rows of features that may not be carried (no table of ours yet): carried with their count, or
  // named in the report with it.
  const extraRows: Record<string, number> = { ...(tables.has('model') ? { model: 2 } : {}), ...(tables.has('prompt') ? { prompt: 1 } : {}) };
  for (const [table, n] of [['memory', 3], ['folder', 1], ['feedback', 1]] as const) {
    if (!tables.has(table)) continue;
    for (let i = 0; i < n; i++) insertPlaceholder(db, table, i);
    extraRows[table] = n;
  }

  if (opts.wal) {
    // The original is still running: its last pages are only in -wal. Copy the three files as a
    // volume snapshot would, then let the builder go.
    const walSize = fs.statSync(workFile + '-wal').size;
    if (walSize === 0) throw new Error('fixture: expected unflushed pages in -wal');
    for (const suffix of ['', '-wal', '-shm']) fs.copyFileSync(workFile + suffix, file + suffix);
  }
  db.close();
  if (!opts.wal) fs.copyFileSync(workFile, file);
  fs.rmSync(work, { recursive: true, force: true });
  fs.writeFileSync(path.join(opts.dir, '.webui_secret_key'), SECRET + '\n');

  const key = new TextEncoder().encode(SECRET);
  return {
    dir: opts.dir,
    file,
    revision,
    secret: SECRET,
    users,
    chats,
    settings: SETTINGS,
    workspace: WORKSPACE,
    extraRows,
    async token(userId) {
      const payload: Record<string, unknown> = { id: userId, exp: Math.floor(Date.now() / 1000) + 3600 };
      if (perKeyConfig) Object.assign(payload, { jti: `jti-${userId}`, iat: Math.floor(Date.now() / 1000) - 60 });
      return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);
    },
  };
}

/**
 * Workspace rows as each version stores them: a model shared with a group (read) and a user (write),
 * a public model and prompt, a group of two, a knowledge base shared with the group holding a file
 * whose extracted text (`data.content`) carries a fact to find after re-indexing. Before 0.6.37
 * members are `group.user_ids`, then `group_member`; before 0.6.41 a knowledge base lists its files in
 * `data.file_ids`, then `knowledge_file`; before 0.8 sharing is `access_control`, then `access_grant`.
 */
export const WORKSPACE = {
  modelAcl: { read: { group_ids: ['g-team'], user_ids: [] }, write: { group_ids: [], user_ids: ['u-bob'] } },
  knowledgeAcl: { read: { group_ids: ['g-team'], user_ids: [] }, write: { group_ids: [], user_ids: [] } },
  members: ['u-admin', 'u-bob'],
  fact: 'The staging cluster is called Marzipan-Seven and lives in rack 42.',
  prompt: { command: '/summarize', title: 'Summarize', content: 'Summarize this: {{CLIPBOARD}}' },
};

function insertWorkspace(tables: Set<string>, cols: (t: string) => Set<string>, insert: (table: string, row: Record<string, unknown>) => void): void {
  const t0 = 1700000000;
  const grants = tables.has('access_grant');
  let n = 0;
  const grant = (type: string, id: string, acl: typeof WORKSPACE.modelAcl | null) => {
    if (!grants) return;
    const add = (ptype: string, pid: string, perm: string) =>
      insert('access_grant', { id: `ag-${++n}`, resource_type: type, resource_id: id, principal_type: ptype, principal_id: pid, permission: perm, created_at: t0 + n });
    if (acl === null) return add('user', '*', 'read');
    for (const perm of ['read', 'write'] as const) {
      for (const g of acl[perm].group_ids) add('group', g, perm);
      for (const u of acl[perm].user_ids) add('user', u, perm);
    }
  };
  const acl = (v: unknown) => (grants ? undefined : v === null ? null : JSON.stringify(v));
  const model = (id: string, name: string, access: typeof WORKSPACE.modelAcl | null) => {
    insert('model', {
      id, user_id: 'u-admin', base_model_id: 'llama3:8b', name, is_active: 1, created_at: t0, updated_at: t0 + 5,
      meta: JSON.stringify({ profile_image_url: '/static/favicon.png', description: `${name} for the team`, capabilities: { vision: false } }),
      params: JSON.stringify({ temperature: 0.2, system: 'You are terse.' }),
      access_control: acl(access),
    });
    grant('model', id, access);
  };
  model('team-llama', 'Team Llama', WORKSPACE.modelAcl);
  model('public-llama', 'Public Llama', null);

  const p = WORKSPACE.prompt;
  if (cols('prompt').has('title')) {
    insert('prompt', { command: p.command, user_id: 'u-admin', title: p.title, content: p.content, timestamp: t0 + 7, access_control: null });
  } else {
    // 0.8: a uuid id, the command without its slash, its first version in prompt_history.
    insert('prompt', { id: 'p-uuid-1', command: p.command.slice(1), user_id: 'u-admin', name: p.title, content: p.content, data: '{}', meta: '{}', is_active: 1, version_id: 'ph-1', tags: '[]', created_at: t0, updated_at: t0 + 7 });
    insert('prompt_history', { id: 'ph-1', prompt_id: 'p-uuid-1', parent_id: null, snapshot: JSON.stringify({ name: p.title, content: p.content, command: p.command.slice(1) }), user_id: 'u-admin', commit_message: null, created_at: t0 });
    grant('prompt', 'p-uuid-1', null);
  }

  if (tables.has('group')) {
    const members = !cols('group').has('user_ids');
    insert('group', {
      id: 'g-team', user_id: 'u-admin', name: 'Team', description: 'Everyone on the team', data: '{}', meta: '{}',
      permissions: JSON.stringify({ workspace: { models: true } }), user_ids: JSON.stringify(WORKSPACE.members), created_at: t0, updated_at: t0,
    });
    if (members) WORKSPACE.members.forEach((u, i) => insert('group_member', { id: `gm-${i}`, group_id: 'g-team', user_id: u, created_at: t0 + i, updated_at: t0 + i }));
  }

  insert('file', {
    id: 'file-fact', user_id: 'u-admin', filename: 'handbook.txt', hash: 'abc123', path: '/app/backend/data/uploads/file-fact_handbook.txt',
    data: JSON.stringify({ status: 'completed', content: WORKSPACE.fact }),
    meta: JSON.stringify({ name: 'handbook.txt', content_type: 'text/plain', size: WORKSPACE.fact.length, collection_name: 'file-file-fact' }),
    access_control: undefined, created_at: t0, updated_at: t0,
  });
  if (tables.has('knowledge')) {
    const joined = tables.has('knowledge_file');
    insert('knowledge', {
      id: 'kb-handbook', user_id: 'u-admin', name: 'Handbook', description: 'Team handbook', meta: '{}', created_at: t0, updated_at: t0,
      data: joined ? '{}' : JSON.stringify({ file_ids: ['file-fact'] }),
      access_control: acl(WORKSPACE.knowledgeAcl),
    });
    if (joined) insert('knowledge_file', { id: 'kf-1', user_id: 'u-admin', knowledge_id: 'kb-handbook', file_id: 'file-fact', created_at: t0, updated_at: t0 });
    grant('knowledge', 'kb-handbook', WORKSPACE.knowledgeAcl);
  }
}

/** A row that satisfies the table's NOT NULL columns, whatever its version's layout. */
function insertPlaceholder(db: SQLite.Database, table: string, i: number): void {
  const info = db.prepare(`select name, type, "notnull" as nn, dflt_value as d, pk from pragma_table_info(?)`).all(table) as { name: string; type: string; nn: number; d: unknown; pk: number }[];
  const row: Record<string, unknown> = {};
  for (const c of info) {
    if (!c.nn && !c.pk) continue;
    if (c.d !== null && !c.pk) continue;
    const t = c.type.toUpperCase();
    row[c.name] = /INT|BOOL/.test(t) ? (c.pk ? i + 1 : 0) : /JSON/.test(t) ? '{}' : `${table}-${c.name}-${i}`;
  }
  const keys = Object.keys(row);
  db.prepare(`insert into "${table}" (${keys.map((k) => `"${k}"`).join(',')}) values (${keys.map(() => '?').join(',')})`).run(...keys.map((k) => row[k]));
}

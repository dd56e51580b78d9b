import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { formatReport } from '../../src/db/adopt/report.js';
import type { AdoptionReport } from '../../src/db/adopt/report.js';
import { expectWorkspace, findFact } from '../helpers/adopt-checks.js';
import { buildFixture, SCHEMAS_DIR, type Fixture } from '../helpers/openwebui-fixture.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * An existing Open WebUI data directory (real schemas, synthetic rows) opened by the real server:
 * adopted at start-up, backed up first, everything our schema has carried, the rest reported.
 */
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-adopt-'));
  dirs.push(d);
  return path.join(d, 'data');
}

/** The server on an Open WebUI DATA_DIR, always SQLite (the volume's own file), its key from the volume. */
function serve(fx: Fixture, env: Record<string, string> = {}): Promise<TestServer> {
  return startTestServer({ DATA_DIR: fx.dir, DATABASE_URL: `sqlite:///${fx.file}`, WEBUI_SECRET_KEY: '', ...env });
}

function adoption(server: TestServer): AdoptionReport | null {
  return (server.ctx as unknown as { adoption: AdoptionReport | null }).adoption;
}

function dump(file: string): string {
  const db = new SQLite(file, { readonly: true });
  const out = ['user', 'auth', 'chat', 'tag', 'chat_tag', 'config'].map((t) => JSON.stringify(db.prepare(`select * from "${t}" order by 1`).all()));
  db.close();
  return createHash('sha256').update(out.join('\n')).digest('hex');
}

const CASES = [
  { release: '0.5.3', schema: '0.5.3-0.6.5' },
  { release: '0.6.5', schema: '0.5.3-0.6.5' },
  { release: '0.6.15', schema: '0.6.6-0.6.15' },
  { release: '0.6.22', schema: '0.6.16-0.6.22' },
  { release: '0.6.26', schema: '0.6.23-0.6.26' },
  { release: '0.6.34', schema: '0.6.32-0.6.36' },
  { release: '0.6.41', schema: '0.6.41' },
  { release: '0.7.2', schema: '0.6.42-0.7.2' },
  { release: '0.8.12', schema: '0.8.1-0.8.12' },
  { release: '0.9.2', schema: '0.9.0-0.9.2', wal: true },
  { release: '0.10.2', schema: '0.10.0-0.10.2', wal: true },
];

describe.skipIf(!SCHEMAS_DIR)('adopting an Open WebUI data directory', () => {
  for (const c of CASES) {
    it(`Open WebUI ${c.release}${c.wal ? ' (WAL with unflushed pages)' : ''}: users, sessions, chats and settings carry; a second start changes nothing`, { timeout: 60_000 }, async () => {
      const fx = await buildFixture({ schema: c.schema, dir: tmpDir(), wal: c.wal });
      if (c.wal) {
        // Proof the fixture needs its -wal: the main file alone has no users yet.
        const alone = path.join(path.dirname(fx.dir), 'alone.db');
        fs.copyFileSync(fx.file, alone);
        const a = new SQLite(alone, { readonly: true });
        expect(() => a.prepare('select count(*) as n from user').get()).toThrow();
        a.close();
      }
      let server = await serve(fx);
      try {
        const report = adoption(server)!;
        expect(report).not.toBeNull();
        expect(report.source.revision).toBe(fx.revision);
        // The backup: next to the database, named with the date, the original's full content.
        expect(path.dirname(report.backup!)).toBe(fx.dir);
        expect(path.basename(report.backup!)).toMatch(/^webui\.db\.openwebui-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.bak$/);
        const b = new SQLite(report.backup!, { readonly: true });
        expect((b.prepare('select version_num from alembic_version').get() as { version_num: string }).version_num).toBe(fx.revision);
        expect((b.prepare('select count(*) as n from user').get() as { n: number }).n).toBe(fx.users.length);
        b.close();
        expect(fs.readdirSync(fx.dir).filter((f) => /\.bak-(wal|shm)$/.test(f))).toEqual([]);
        // What we cannot carry yet is named with its row count, never dropped silently.
        const text = formatReport(report);
        for (const [table, n] of Object.entries(fx.extraRows)) {
          // A table this range has a mapping for is carried (and counted); any other is named with its count.
          const carried = report.result.carried.find((t) => t.source === table);
          if (carried) expect(carried.rows, table).toBe(n);
          else expect(report.result.notCarried).toContainEqual(expect.objectContaining({ table, rows: n }));
          expect(text).toContain(`${table} ${n}`);
        }
        expect(report.result.notCarried.map((t) => t.table)).not.toContain('user');

        // Every user signs in with the old password; roles (pending included) are kept.
        const tokens = new Map<string, string>();
        for (const u of fx.users) {
          const res = await server.request('POST', '/api/v1/auths/signin', { body: { email: u.email, password: u.password } });
          expect(res.status, u.email).toBe(200);
          const body = (await res.json()) as { id: string; role: string; token: string };
          expect(body).toMatchObject({ id: u.id, role: u.role });
          tokens.set(u.id, body.token);
          const wrong = await server.request('POST', '/api/v1/auths/signin', { body: { email: u.email, password: u.password + 'x' } });
          expect(wrong.status).toBe(400);
        }
        // A token the original issued (same secret key, from .webui_secret_key) is still a session.
        const old = await fx.token('u-bob');
        const me = await server.request('GET', '/api/v1/auths/', { token: old });
        expect(me.status).toBe(200);
        expect(await me.json()).toMatchObject({ id: 'u-bob', email: 'bob@example.com', role: 'user' });
        // ...and signing out ends it, with or without a `jti` in it.
        expect((await server.request('GET', '/api/v1/auths/signout', { token: old })).status).toBe(200);
        expect((await server.request('GET', '/api/v1/auths/', { token: old })).status).toBe(401);
        expect((await server.request('GET', '/api/v1/auths/', { token: await fx.token('u-pat') })).status).toBe(200);
        // The admin's API key (a user column before 0.6.41, table api_key after) still works.
        const viaKey = await server.request('GET', '/api/v1/auths/', { token: fx.users[0]!.apiKey });
        expect(viaKey.status).toBe(200);
        expect(await viaKey.json()).toMatchObject({ id: 'u-admin' });

        // Chats read back with the same documents (message trees, odd ids included) and state.
        for (const ch of fx.chats) {
          const res = await server.request('GET', `/api/v1/chats/${ch.id}`, { token: tokens.get(ch.userId) });
          expect(res.status).toBe(200);
          const body = await res.text();
          const parsed = JSON.parse(body) as { title: string; chat: unknown; pinned: boolean; archived: boolean; folder_id: string | null; share_id: string | null; meta: { tags: string[] } };
          expect(JSON.stringify(parsed.chat)).toBe(JSON.stringify(JSON.parse(ch.doc)));
          expect(Object.keys((parsed.chat as { history: { messages: object } }).history.messages)).toContain('__proto__');
          expect(parsed).toMatchObject({ title: ch.title, pinned: ch.pinned, archived: ch.archived, folder_id: ch.folderId, share_id: ch.shareId });
          expect(parsed.meta.tags).toEqual(ch.tags);
        }
        expect(({}) as Record<string, unknown>).not.toHaveProperty('content'); // nothing polluted Object.prototype
        const pinned = (await (await server.request('GET', '/api/v1/chats/pinned', { token: tokens.get('u-admin') })).json()) as { id: string }[];
        expect(pinned.map((p) => p.id)).toEqual(['c-1']);
        const tagged = (await (await server.request('POST', '/api/v1/chats/tags', { token: tokens.get('u-admin'), body: { name: 'work' } })).json()) as { id: string }[];
        expect(tagged.map((t) => t.id)).toEqual(['c-1']);
        const tags = (await (await server.request('GET', '/api/v1/chats/all/tags', { token: tokens.get('u-admin') })).json()) as { id: string; name: string }[];
        expect(tags.map((t) => t.name).sort()).toEqual(['Ideas', 'Work']);
        const shared = await server.request('GET', '/api/v1/chats/share/s-1', { token: tokens.get('u-bob') });
        expect(shared.status).toBe(200);
        expect(JSON.stringify(((await shared.json()) as { chat: unknown }).chat)).toBe(JSON.stringify(JSON.parse(fx.chats[0]!.doc)));

        // Saved settings keep their values (the newest row up to 0.9, the per-key rows from 0.10).
        const admin = tokens.get('u-admin');
        const authCfg = (await (await server.request('GET', '/api/v1/auths/admin/config', { token: admin })).json()) as Record<string, unknown>;
        expect(authCfg).toMatchObject({ ENABLE_SIGNUP: false, DEFAULT_USER_ROLE: 'user', ENABLE_API_KEYS: true, JWT_EXPIRES_IN: '4w' });
        const openai = (await (await server.request('GET', '/openai/config', { token: admin })).json()) as Record<string, unknown>;
        expect(openai).toMatchObject({ OPENAI_API_BASE_URLS: ['https://api.openai.com/v1'], OPENAI_API_KEYS: ['sk-upstream-123'], OPENAI_API_CONFIGS: { '0': { enable: true, model_ids: ['gpt-4o'] } } });
        const ollama = (await (await server.request('GET', '/ollama/config', { token: admin })).json()) as Record<string, unknown>;
        expect(ollama).toMatchObject({ OLLAMA_BASE_URLS: fx.settings.ollama.base_urls, OLLAMA_API_CONFIGS: { '0': { enable: true, prefix_id: 'g1' } } });
        const tree = server.ctx.settings.tree() as { ui: { banners: unknown; ENABLE_LOGIN_FORM: boolean }; rag: unknown };
        expect(tree.ui.banners).toEqual(fx.settings.ui.banners);
        expect(tree.ui.ENABLE_LOGIN_FORM).toBe(true);
        expect(tree.rag).toEqual(fx.settings.rag);

        // Workspace records keep their values, whichever tables the version kept them in.
        const file = new SQLite(fx.file, { readonly: true });
        try {
          await expectWorkspace(fx, async (q, arg) => file.prepare(q).get(arg) as Record<string, unknown> | undefined);
        } finally {
          file.close();
        }
        // The file's extracted text is indexed into our store at start-up and found by a search.
        expect(await findFact(server, admin!, fx.workspace.fact)).toContain('Marzipan-Seven');
      } finally {
        await server.close();
      }

      // The second start: nothing to adopt, no second backup, the same rows.
      const before = dump(fx.file);
      const files = fs.readdirSync(fx.dir).filter((f) => f.endsWith('.bak'));
      server = await serve(fx);
      try {
        expect(adoption(server)).toBeNull();
        expect(dump(fx.file)).toBe(before);
        const res = await server.request('POST', '/api/v1/auths/signin', { body: { email: 'ada@example.com', password: 'Adm1n-pass!' } });
        expect(res.status).toBe(200);
      } finally {
        await server.close();
      }
      expect(fs.readdirSync(fx.dir).filter((f) => f.endsWith('.bak'))).toEqual(files);
    });
  }
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { AdoptionReport } from '../../src/db/adopt/report.js';
import { expectWorkspace, findFact } from '../helpers/adopt-checks.js';
import { buildFixture, SCHEMAS_DIR } from '../helpers/openwebui-fixture.js';
import { copyFixtureToPostgres } from '../helpers/openwebui-fixture-pg.js';
import { createPostgresDatabase, POSTGRES_URL } from '../helpers/test-database.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * DATABASE_URL on an Open WebUI PostgreSQL database (runs in the PostgreSQL pass): the same mappings,
 * the original kept as schema `openwebui_backup_<stamp>`, refusals as on SQLite.
 */
const dirs: string[] = [];
const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const d of drops) await d();
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

async function pgFixture(schema: string) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-adopt-pg-'));
  dirs.push(root);
  const fx = await buildFixture({ schema, dir: path.join(root, 'data') });
  const db = await createPostgresDatabase();
  drops.push(() => db.drop());
  await copyFixtureToPostgres(fx, schema, db.url);
  fs.rmSync(fx.file); // only the key file stays in DATA_DIR: the data is in PostgreSQL
  return { fx, url: db.url };
}

const adoption = (s: TestServer) => (s.ctx as unknown as { adoption: AdoptionReport | null }).adoption;

describe.skipIf(!SCHEMAS_DIR || !POSTGRES_URL)('adopting an Open WebUI PostgreSQL database', () => {
  it.each([
    ['0.6.34', '0.6.32'],
    ['0.10.2', '0.10.0'],
  ])('Open WebUI %s on PostgreSQL: users, sessions, chats, settings; backup schema; second start a no-op', { timeout: 60_000 }, async (_release, schema) => {
    const { fx, url } = await pgFixture(schema);
    let server = await startTestServer({ DATA_DIR: fx.dir, DATABASE_URL: url, WEBUI_SECRET_KEY: '' });
    try {
      const report = adoption(server)!;
      expect(report.source.revision).toBe(fx.revision);
      expect(report.backup).toMatch(/^schema openwebui_backup_\d{8}_\d{6} /);
      expect(report.result.carried).toContainEqual(expect.objectContaining({ source: 'model', rows: 2 }));
      for (const u of fx.users) {
        const res = await server.request('POST', '/api/v1/auths/signin', { body: { email: u.email, password: u.password } });
        expect(res.status, u.email).toBe(200);
      }
      const me = await server.request('GET', '/api/v1/auths/', { token: await fx.token('u-bob') });
      expect(await me.json()).toMatchObject({ id: 'u-bob', role: 'user' });
      const admin = ((await (await server.request('POST', '/api/v1/auths/signin', { body: { email: 'ada@example.com', password: 'Adm1n-pass!' } })).json()) as { token: string }).token;
      for (const ch of fx.chats.filter((c) => c.userId === 'u-admin')) {
        const body = (await (await server.request('GET', `/api/v1/chats/${ch.id}`, { token: admin })).json()) as { chat: unknown; pinned: boolean; meta: { tags: string[] } };
        expect(JSON.stringify(body.chat)).toBe(JSON.stringify(JSON.parse(ch.doc)));
        expect(body.pinned).toBe(ch.pinned);
        expect(body.meta.tags).toEqual(ch.tags);
      }
      const authCfg = (await (await server.request('GET', '/api/v1/auths/admin/config', { token: admin })).json()) as Record<string, unknown>;
      expect(authCfg).toMatchObject({ ENABLE_SIGNUP: false, DEFAULT_USER_ROLE: 'user', ENABLE_API_KEYS: true });
      expect((await server.request('GET', '/api/v1/auths/', { token: fx.users[0]!.apiKey })).status).toBe(200);
      // Workspace rows (group members, access grants folded back on 0.10) and the file's text, indexed.
      const q = new pg.Client({ connectionString: url });
      await q.connect();
      try {
        await expectWorkspace(fx, async (text, arg) => (await q.query(text.replace('?', '$1'), [arg])).rows[0]);
      } finally {
        await q.end();
      }
      expect(await findFact(server, admin, fx.workspace.fact)).toContain('Marzipan-Seven');
    } finally {
      await server.close();
    }
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const schemas = (await c.query<{ s: string }>(`select schema_name as s from information_schema.schemata where schema_name like 'openwebui_backup_%' or schema_name = 'owui_adopting'`)).rows;
    expect(schemas).toHaveLength(1);
    expect(Number((await c.query(`select count(*) from ${schemas[0]!.s}."user"`)).rows[0].count)).toBe(fx.users.length);
    await c.end();

    server = await startTestServer({ DATA_DIR: fx.dir, DATABASE_URL: url, WEBUI_SECRET_KEY: '' });
    try {
      expect(adoption(server)).toBeNull();
    } finally {
      await server.close();
    }
  });

  it('refuses while another session (a running Open WebUI) is connected, and a newer revision; nothing changes', { timeout: 60_000 }, async () => {
    const { fx, url } = await pgFixture('0.6.32');
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    await expect(startTestServer({ DATA_DIR: fx.dir, DATABASE_URL: url, WEBUI_SECRET_KEY: '' })).rejects.toThrow(/is in use by another process/);
    await other.query(`update alembic_version set version_num = 'feedfacecafe'`);
    await other.end();
    await expect(startTestServer({ DATA_DIR: fx.dir, DATABASE_URL: url, WEBUI_SECRET_KEY: '' })).rejects.toThrow(/revision feedfacecafe, newer than this version knows/);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const names = (await c.query<{ s: string }>(`select schema_name as s from information_schema.schemata where schema_name like 'openwebui_backup_%' or schema_name = 'owui_adopting'`)).rows;
    expect(names).toEqual([]);
    expect((await c.query(`select 1 from information_schema.tables where table_schema = 'public' and table_name = 'kysely_migration'`)).rowCount).toBe(0);
    await c.end();
  });
});

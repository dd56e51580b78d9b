import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { POSTGRES_URL } from '../helpers/test-database.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// Migration 010: on PostgreSQL the chat document is stored lz4-compressed (where the server offers
// lz4), and a chat written after it reads back byte for byte. SQLite has nothing to compress.
describe.runIf(Boolean(POSTGRES_URL))('chat document compression', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('PostgreSQL: the chat column uses lz4 and a big chat reads back unchanged', async () => {
    const k = s.ctx.db.kysely;
    const offered = await sql<{ ok: boolean }>`select exists (select 1 from pg_settings where name = 'default_toast_compression' and 'lz4' = any(enumvals)) as ok`.execute(k);
    const col = await sql<{ c: string }>`select attcompression as c from pg_attribute where attrelid = 'chat'::regclass and attname = 'chat'`.execute(k);
    expect(col.rows[0]!.c).toBe(offered.rows[0]!.ok ? 'l' : '');

    const { token } = await createUser(s.ctx);
    const messages = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`m${i}`, { id: `m${i}`, role: i % 2 ? 'assistant' : 'user', content: `reply ${i} `.repeat(400) }]));
    const chat = { title: 'Big', history: { messages, currentId: 'm299' } };
    const created = await s.request('POST', '/api/v1/chats/new', { token, body: { chat } });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };
    const read = await s.request('GET', `/api/v1/chats/${id}`, { token });
    expect(((await read.json()) as { chat: typeof chat }).chat.history).toEqual(chat.history);
    if (offered.rows[0]!.ok) {
      const method = await sql<{ m: string }>`select pg_column_compression(chat) as m from chat where id = ${id}`.execute(k);
      expect(method.rows[0]!.m).toBe('lz4');
    }
  });
});

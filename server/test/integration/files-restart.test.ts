import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { streamStatus } from '../helpers/files.js';
import { createPostgresDatabase, POSTGRES_URL } from '../helpers/test-database.js';
import { startTestServer } from '../helpers/test-server.js';

describe('processing cut off by a stop (no Redis)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-restart-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('a file left pending is processed at the next start', async () => {
    const pg = POSTGRES_URL ? await createPostgresDatabase() : null;
    const env = { DATA_DIR: dataDir, ...(pg ? { DATABASE_URL: pg.url } : {}) };
    const first = await startTestServer(env);
    const { token, user } = await createUser(first.ctx);
    // What a stop mid-processing leaves: the stored bytes and a row still `pending`.
    const id = '__proto__';
    const stored = path.join(dataDir, 'uploads', `${id}_left.txt`);
    fs.writeFileSync(stored, 'Processing resumed after the restart: OTTER.');
    await first.ctx.db.kysely
      .insertInto('file')
      .values({ id, user_id: user.id, hash: null, filename: 'left.txt', path: stored, data: JSON.stringify({ status: 'pending' }), meta: JSON.stringify({ name: 'left.txt', content_type: 'text/plain', size: 44 }), access_control: null, created_at: 1, updated_at: 1 })
      .execute();
    await first.close();

    const second = await startTestServer(env);
    try {
      const events = await streamStatus(second, token, id);
      expect(events.at(-1)).toEqual({ status: 'completed' });
      const text = await (await second.request('GET', `/api/v1/files/${id}/data/content`, { token })).json();
      expect(text.content).toContain('OTTER');
      const named = await second.request('GET', `/api/v1/files/${id}/content/left.txt`, { token });
      expect(await named.text()).toContain('OTTER');
    } finally {
      await second.close();
      await pg?.drop();
    }
  });
});

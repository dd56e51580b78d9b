import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe('odd paths against the served UI', () => {
  let s: TestServer;
  let build: string;
  beforeAll(async () => {
    build = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-ui-'));
    fs.writeFileSync(path.join(build, 'index.html'), '<!doctype html><title>ui</title>');
    fs.mkdirSync(path.join(build, '_app'));
    fs.writeFileSync(path.join(build, '_app', 'a.js'), 'export {}');
    s = await startTestServer({ FRONTEND_BUILD_DIR: build });
  });
  afterAll(async () => {
    await s.close();
    fs.rmSync(build, { recursive: true, force: true });
  });

  it('answers NUL bytes and over-long names with 400/404, never 500', async () => {
    const long = 'a'.repeat(300);
    for (const p of ['/%00', '/abc%00def', '/index.html%00.js', '/_app/a.js%00', `/${long}`, `/${long}.js`, `/_app/${long}.png`, `/x/${'b'.repeat(5000)}`, '/%ff']) {
      const res = await s.request('GET', p);
      expect([400, 404], p).toContain(res.status);
    }
    // Traversal lands on the UI's index (client-side routing), never outside the build directory.
    for (const p of ['/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd', '/_app/..%2f..%2f..%2fetc%2fpasswd']) {
      const res = await s.request('GET', p);
      expect(await res.text(), p).not.toContain('root:');
    }
    expect((await s.request('GET', '/_app/a.js')).status).toBe(200);
    expect((await s.request('GET', '/c/some-chat')).status).toBe(200);
  });
});

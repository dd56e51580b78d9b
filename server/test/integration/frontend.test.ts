import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

// A miniature SvelteKit build: the real one is exercised by the e2e suite.
function fakeBuild(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-build-'));
  fs.mkdirSync(path.join(dir, '_app', 'immutable', 'entry'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>spa</title>');
  fs.writeFileSync(path.join(dir, '_app', 'immutable', 'entry', 'app.abc123.js'), 'export {}');
  fs.writeFileSync(path.join(dir, '_app', 'version.json'), '{"version":"1"}');
  return dir;
}

describe('serving the web UI build', () => {
  let server: TestServer;
  let build: string;
  beforeAll(async () => {
    build = fakeBuild();
    server = await startTestServer({ FRONTEND_BUILD_DIR: build });
  });
  afterAll(async () => {
    await server.close();
    fs.rmSync(build, { recursive: true, force: true });
  });

  it('answers client-side routes with index.html, never cached', async () => {
    for (const p of ['/', '/c/some-chat-id', '/admin/settings/connections?x=1']) {
      const r = await server.request('GET', p);
      expect(r.status, p).toBe(200);
      expect(r.headers.get('content-type')).toContain('text/html');
      expect(r.headers.get('cache-control')).toContain('no-cache');
      expect(await r.text()).toContain('<title>spa</title>');
    }
  });

  it('serves hashed bundles as immutable and other files revalidated', async () => {
    const js = await server.request('GET', '/_app/immutable/entry/app.abc123.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    const version = await server.request('GET', '/_app/version.json');
    expect(version.status).toBe(200);
    expect(version.headers.get('cache-control')).not.toContain('immutable');
  });

  it('keeps API misses and missing scripts as JSON 404s, and rejects malformed paths and traversal', async () => {
    for (const p of ['/api/v1/nope', '/ollama/nope', '/_app/immutable/entry/missing.js']) {
      const r = await server.request('GET', p);
      expect(r.status, p).toBe(404);
      expect(await r.json()).toEqual({ detail: 'Not Found' });
    }
    const bad = await server.request('GET', '/c/%E0%A4%A');
    expect(bad.status).toBe(400);
    const traversal = await server.request('GET', '/..%2f..%2fetc%2fpasswd');
    expect(traversal.status).toBe(200);
    expect(await traversal.text()).toContain('<title>spa</title>');
  });
});

describe('API-only mode', () => {
  it('without a build, / explains how to build the UI and the API still works', async () => {
    const server = await startTestServer();
    try {
      const r = await server.request('GET', '/');
      expect(r.status).toBe(200);
      const body = (await r.json()) as { detail: string };
      expect(body.detail).toContain('npm run build');
      expect((await server.request('GET', '/health')).status).toBe(200);
      expect(server.logs()).toContain('Frontend build directory not found');
    } finally {
      await server.close();
    }
  });
});

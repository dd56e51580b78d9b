import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { openContext } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config/env.js';
import type { AppContext } from '../../src/context.js';
import { createPostgresDatabase, POSTGRES_URL } from './test-database.js';

export interface TestServer {
  /** http://127.0.0.1:<port> of the real server. */
  url: string;
  app: FastifyInstance;
  ctx: AppContext;
  dataDir: string;
  /** Every log line written so far, as text. */
  logs(): string;
  /** fetch against the server; `token` becomes a Bearer header; objects are sent as JSON. */
  request(method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Starts the real HTTP server on a loopback port with a fresh DATA_DIR (a real SQLite file) or a fresh
 * PostgreSQL database when TEST_DATABASE_URL is set. `env` is what a user would put in the environment.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  options: { beforeListen?: (app: FastifyInstance) => void | Promise<void> } = {},
): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-test-'));
  const pgDb = POSTGRES_URL && !env.DATABASE_URL ? await createPostgresDatabase() : null;
  const config = loadConfig({
    WEBUI_SECRET_KEY: 'test-secret',
    GLOBAL_LOG_LEVEL: 'debug',
    FRONTEND_BUILD_DIR: path.join(dataDir, 'no-frontend'),
    OLLAMA_BASE_URL: 'http://127.0.0.1:9',
    OPENAI_API_BASE_URL: 'http://127.0.0.1:9/v1',
    ...(pgDb ? { DATABASE_URL: pgDb.url } : {}),
    ...env,
    DATA_DIR: env.DATA_DIR ?? dataDir,
  });
  const ctx = await openContext(config);
  let logText = '';
  const logStream = new Writable({
    write(chunk, _enc, cb) {
      logText += chunk.toString();
      cb();
    },
  });
  const app = await buildApp(ctx, { logStream });
  await options.beforeListen?.(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  return {
    url,
    app,
    ctx: app.ctx,
    dataDir,
    logs: () => logText,
    request(method, p, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let body: string | undefined;
      if (opts.body !== undefined) {
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      return fetch(url + p, { method, headers, body });
    },
    async close() {
      await app.close();
      await ctx.close();
      await pgDb?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

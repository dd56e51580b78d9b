import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openContext } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config/env.js';
import { createPostgresDatabase, POSTGRES_URL } from '../helpers/test-database.js';

/**
 * PersistentConfig semantics across restarts: a "restart" is a new context on the same database with
 * possibly different env, exactly what happens when a container is recreated.
 */
describe('persistent config precedence', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  async function deployment() {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-pc-'));
    cleanup.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const base: Record<string, string> = { DATA_DIR: dataDir, WEBUI_SECRET_KEY: 'k' };
    if (POSTGRES_URL) {
      const pg = await createPostgresDatabase();
      cleanup.push(() => pg.drop());
      base.DATABASE_URL = pg.url;
    }
    return async (env: Record<string, string> = {}) => {
      const ctx = await openContext(loadConfig({ ...base, ...env }));
      cleanup.push(() => ctx.close());
      return ctx;
    };
  }

  it('seeds from env, keeps a saved value over a changed env, and RESET_CONFIG_ON_START brings env back', async () => {
    const start = await deployment();
    const first = await start({ ENABLE_SIGNUP: 'true', OLLAMA_BASE_URL: 'http://one:11434' });
    expect(first.settings.get('ENABLE_SIGNUP')).toBe(true);
    expect(first.settings.get('OLLAMA_BASE_URLS')).toEqual(['http://one:11434']);

    await first.settings.set({ ENABLE_SIGNUP: false, OLLAMA_BASE_URLS: ['http://saved:11434'] });
    await first.close();

    // The admin's saved values win even though the env now says otherwise.
    const second = await start({ ENABLE_SIGNUP: 'true', OLLAMA_BASE_URL: 'http://two:11434' });
    expect(second.settings.get('ENABLE_SIGNUP')).toBe(false);
    expect(second.settings.get('OLLAMA_BASE_URLS')).toEqual(['http://saved:11434']);
    // A key never saved still follows the env.
    expect(second.settings.get('DEFAULT_USER_ROLE')).toBe('pending');
    expect(second.settings.tree()).toMatchObject({ ui: { enable_signup: false }, ollama: { base_urls: ['http://saved:11434'] } });
    await second.close();

    const ignored = await start({ ENABLE_PERSISTENT_CONFIG: 'false', ENABLE_SIGNUP: 'true' });
    expect(ignored.settings.get('ENABLE_SIGNUP')).toBe(true);
    await ignored.close();

    const reset = await start({ RESET_CONFIG_ON_START: 'true', OLLAMA_BASE_URL: 'http://three:11434' });
    expect(reset.settings.get('ENABLE_SIGNUP')).toBe(true);
    expect(reset.settings.get('OLLAMA_BASE_URLS')).toEqual(['http://three:11434']);
    expect(reset.settings.tree()).toEqual({});
  });

  it('tells listeners which keys changed and picks up a change saved by another instance on reload', async () => {
    const start = await deployment();
    const a = await start();
    const b = await start();
    const seen: string[][] = [];
    b.settings.onChange((keys) => seen.push(keys));
    await a.settings.set({ DEFAULT_USER_ROLE: 'user' });
    expect(b.settings.get('DEFAULT_USER_ROLE')).toBe('pending');
    expect(await b.settings.reload()).toEqual(['DEFAULT_USER_ROLE']);
    expect(b.settings.get('DEFAULT_USER_ROLE')).toBe('user');
    expect(seen).toEqual([['DEFAULT_USER_ROLE']]);
  });

  it('rejects a value of the wrong type instead of storing it', async () => {
    const start = await deployment();
    const ctx = await start();
    await expect(ctx.settings.set({ DEFAULT_USER_ROLE: 'root' as 'user' })).rejects.toThrow();
    expect(ctx.settings.get('DEFAULT_USER_ROLE')).toBe('pending');
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveSecretKey } from './secret-key.js';

describe('resolveSecretKey', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-key-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('uses WEBUI_SECRET_KEY when set and writes no file', () => {
    const dir = tmp();
    expect(resolveSecretKey('s3cret', dir)).toEqual({ key: 's3cret', source: 'env' });
    expect(fs.existsSync(path.join(dir, '.webui_secret_key'))).toBe(false);
  });

  it('generates a key once, stores it with mode 0600, and reuses it on the next start', () => {
    const dir = path.join(tmp(), 'nested');
    const first = resolveSecretKey(undefined, dir);
    expect(first.source).toBe('generated');
    expect(first.key.length).toBeGreaterThanOrEqual(32);
    const file = path.join(dir, '.webui_secret_key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(resolveSecretKey('', dir)).toEqual({ key: first.key, source: 'file' });
  });
});

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../../..');
const script = path.join(root, 'scripts', 'check-engines.mjs');

/** scripts/check-engines.mjs (run by `npm test`): nothing installed may require a newer Node than promised. */
describe('engines check', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-engines-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });

  it('passes on the real lock file: every package supports the lowest Node in package.json', () => {
    const r = run();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/supports Node 20\.19\.0/);
  });

  it('fails on a package whose engines exclude Node 20, naming it', () => {
    const lock = {
      packages: {
        '': { engines: { node: '>=20.19' } },
        'node_modules/fine': { version: '1.0.0', engines: { node: '>=18' } },
        'node_modules/@scope/parent/node_modules/cookie': { version: '2.0.2', engines: { node: '>=22' } },
        'node_modules/platform-binary': { version: '1.0.0', optional: true, engines: { node: '>=22' } },
      },
    };
    const file = path.join(dir, 'package-lock.json');
    fs.writeFileSync(file, JSON.stringify(lock));
    const r = run('--lock', file);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('cookie@2.0.2 requires node >=22 (installed at node_modules/@scope/parent/node_modules/cookie)');
    expect(r.stderr).not.toContain('fine@');
    expect(r.stderr).not.toContain('platform-binary');
  });
});

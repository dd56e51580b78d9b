import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServerOnce } from '../helpers/build-once.js';

const serverDir = path.resolve(__dirname, '../..');
const realBin = path.join(serverDir, 'bin', 'open-webui.mjs');

/**
 * The `open-webui` launcher in a checkout without a build (a fresh clone): it must build on demand when
 * it can, or name the command to run, never die with ERR_MODULE_NOT_FOUND. Each case lays out its own
 * copy of the launcher so the real server/dist of other tests is never touched.
 */
describe('open-webui launcher without a build', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  function layout(parent: string, buildScript?: string): string {
    const root = fs.mkdtempSync(path.join(parent, '.owui-fresh-'));
    dirs.push(root);
    fs.mkdirSync(path.join(root, 'bin'));
    fs.copyFileSync(realBin, path.join(root, 'bin', 'open-webui.mjs'));
    fs.copyFileSync(path.join(path.dirname(realBin), 'load-bundle.cjs'), path.join(root, 'bin', 'load-bundle.cjs'));
    if (buildScript) fs.writeFileSync(path.join(root, 'build.mjs'), buildScript);
    return root;
  }
  const run = (root: string, args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin', 'open-webui.mjs'), ...args], { encoding: 'utf8' });

  it('says to run npm run build when it cannot build (no build tool installed)', () => {
    const root = layout(os.tmpdir());
    const r = run(root, ['doctor']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the server is not built yet/);
    expect(r.stderr).toMatch(/Run `npm install && npm run build`/);
    expect(r.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|at async/);
  });

  it('builds on demand in a checkout (build tool present), then runs the verb', () => {
    // Inside server/, so the build tool resolves from the workspace's node_modules like in a clone.
    const stub = `import fs from 'node:fs';\nfs.mkdirSync('dist', { recursive: true });\nfs.writeFileSync('dist/server.cjs', "exports.main = async function main() { console.log('ran ' + process.argv.slice(2).join(' ')); };");\n`;
    const root = layout(serverDir, stub);
    const r = run(root, ['doctor', '--json']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/building the server/);
    // stdout stays clean for --json consumers.
    expect(r.stdout.trim()).toBe('ran doctor --json');
    // Second run: no rebuild.
    const again = run(root, ['doctor']);
    expect(again.stderr).toBe('');
    expect(again.stdout.trim()).toBe('ran doctor');
  });

  it('reports a failed build with the command to rerun', () => {
    const root = layout(serverDir, 'process.exit(3);\n');
    const r = run(root, ['serve']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/building the server failed\. Run `npm run build`/);
  });

  it('`npm install -g` of the checkout puts a working open-webui on the PATH', { timeout: 120_000 }, () => {
    buildServerOnce();
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-global-'));
    dirs.push(prefix);
    const root = path.resolve(serverDir, '..');
    const install = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', root], { encoding: 'utf8', timeout: 110_000 });
    expect(install.status, install.stderr).toBe(0);
    const r = spawnSync(path.join(prefix, 'bin', 'open-webui'), ['doctor', '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: open-webui doctor/);
  });
});

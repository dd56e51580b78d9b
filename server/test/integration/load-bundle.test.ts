import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * bin/load-bundle.cjs on a bundle of three small files laid out like build.mjs's output: an entry that
 * requires a chunk by its ESM name (`./chunk-A.js`), a chunk, and a build id. Each start runs in its own
 * Node process, as a real start does, so V8 decides about each cache as it would then.
 */
const loader = path.resolve(__dirname, '../../bin/load-bundle.cjs');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function bundle(id = 'abcdef0123456789'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-load-bundle-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'build-id'), `${id}\n`);
  fs.writeFileSync(
    path.join(dir, 'server.cjs'),
    [
      'const a = require("./chunk-A.js");',
      'const again = require("./chunk-A.cjs");',
      'let sloppy = true; try { undeclared = 1; } catch { sloppy = false; }',
      'exports.report = () => ({ value: a.value(), same: a === again, evaluations: a.evaluations, url: __owuiImportMetaUrl, sloppy,',
      '  resolves: require.resolve("node:path"), builtin: typeof require("node:path").join });',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(dir, 'chunk-A.cjs'), 'globalThis.__evaluations = (globalThis.__evaluations ?? 0) + 1;\nexports.evaluations = globalThis.__evaluations;\nexports.value = () => 42;\n');
  return dir;
}

/** One start in a new process: loads the entry under `phase`, says the start is over, prints stats. */
function start(dir: string, phase = 'import'): { report: Record<string, unknown>; stats: Record<string, number> } {
  const script = `
    const v8 = require('node:v8');
    const flags = (p) => (p === 'import' ? ['--no-turbofan'] : ['--turbofan']);
    const b = require(${JSON.stringify(loader)}).openBundle(${JSON.stringify(dir)}, { flags });
    for (const f of flags(${JSON.stringify(phase)})) v8.setFlagsFromString(f);
    b.setPhase(${JSON.stringify(phase)});
    const report = b.load('server').report();
    for (const f of flags('run')) v8.setFlagsFromString(f);
    b.setPhase('run');
    b.started();
    setTimeout(() => console.log(JSON.stringify({ report, stats: b.stats() })), 50);`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

const cacheDir = (dir: string) => path.join(dir, '.v8-cache', fs.readdirSync(path.join(dir, '.v8-cache'))[0]!);

describe('the bundle loader (bin/load-bundle.cjs)', () => {
  it('runs each file once, as a strict CommonJS module with its own import.meta.url', () => {
    const dir = bundle();
    const { report } = start(dir);
    expect(report).toEqual({
      value: 42,
      same: true,
      evaluations: 1,
      url: pathToFileURL(path.join(dir, 'server.cjs')).href,
      sloppy: false,
      resolves: 'node:path',
      builtin: 'function',
    });
  });

  it('writes the code cache of the files a start compiled, and the next start takes it', () => {
    const dir = bundle();
    expect(start(dir).stats).toEqual({ files: 2, cached: 0, rejected: 0, written: 2 });
    expect(fs.readdirSync(cacheDir(dir)).sort()).toEqual([expect.stringMatching(/^chunk-A\.import-[0-9a-f]+\.bin$/), expect.stringMatching(/^server\.import-[0-9a-f]+\.bin$/)]);
    expect(start(dir).stats).toEqual({ files: 2, cached: 2, rejected: 0, written: 0 });
  });

  it('keys the cache by build id and by the flags of the phase: another build or phase compiles anew', () => {
    const dir = bundle();
    start(dir);
    // Another phase (other flags): its own files, not the ones made under --no-turbofan.
    expect(start(dir, 'run').stats).toMatchObject({ cached: 0, rejected: 0, written: 2 });
    expect(start(dir, 'run').stats).toMatchObject({ cached: 2 });
    // A rebuild (new id): the old caches are not even read.
    fs.writeFileSync(path.join(dir, 'build-id'), '0123456789abcdef');
    expect(start(dir).stats).toMatchObject({ cached: 0, rejected: 0, written: 2 });
    expect(fs.readdirSync(path.join(dir, '.v8-cache'))).toHaveLength(2);
  });

  it('compiles as before when a cache is damaged or cannot be written, and never fails the start', () => {
    const dir = bundle();
    start(dir);
    for (const f of fs.readdirSync(cacheDir(dir))) fs.writeFileSync(path.join(cacheDir(dir), f), Buffer.alloc(64, 7));
    const damaged = start(dir);
    expect(damaged.report.value).toBe(42);
    expect(damaged.stats).toMatchObject({ cached: 0, rejected: 2, written: 2 });
    expect(start(dir).stats).toMatchObject({ cached: 2, rejected: 0 });

    // A file where the cache directory would go: nothing can be written (a read-only install).
    const readOnly = bundle();
    fs.writeFileSync(path.join(readOnly, '.v8-cache'), '');
    const r = start(readOnly);
    expect(r.report.value).toBe(42);
    expect(r.stats).toMatchObject({ cached: 0, written: 0 });
  });

  it('uses no cache without a build id (a stub or partial build)', () => {
    const dir = bundle();
    fs.rmSync(path.join(dir, 'build-id'));
    expect(start(dir).stats).toEqual({ files: 2, cached: 0, rejected: 0, written: 0 });
    expect(fs.existsSync(path.join(dir, '.v8-cache'))).toBe(false);
  });
});

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const serverDir = path.resolve(__dirname, '../..');

/**
 * Builds server/dist once per test run for the test files that spawn the real CLI. Files run in
 * parallel workers, and a rebuild while another file's child process loads the bundle could hand it a
 * half-written file; a lock directory serialises the build and a marker in the run's TMPDIR (one per
 * run, see global-setup.ts) makes later callers skip it.
 */
export function buildServerOnce(): void {
  const marker = path.join(os.tmpdir(), 'owui-server-built');
  const lock = `${marker}.lock`;
  const wait = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; ; i++) {
    if (fs.existsSync(marker)) return;
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      if (i > 1200) throw new Error(`server build lock ${lock} held for over 2 minutes`);
      Atomics.wait(wait, 0, 0, 100);
    }
  }
  try {
    if (!fs.existsSync(marker)) {
      execFileSync(process.execPath, ['build.mjs'], { cwd: serverDir });
      fs.writeFileSync(marker, '');
    }
  } finally {
    fs.rmdirSync(lock);
  }
}

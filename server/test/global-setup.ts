import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Every temporary folder of a test run lives under one folder that is removed when the run ends, so
 * nothing is left in /tmp even when a test forgets its clean-up or a spawned server is killed. Works by
 * pointing TMPDIR (what os.tmpdir() reads) there before the workers start; they inherit it.
 */
export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-vitest-'));
  process.env.TMPDIR = dir;
  return () => {
    fs.rmSync(dir, { recursive: true, force: true });
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  };
}

// `npm test`: every suite, in order, with one closing tally. The server suite runs on SQLite and, when
// TEST_DATABASE_URL is set (CI always sets it), again on PostgreSQL. In CI a missing service is an
// error, never a silent skip.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { printSkipped } from './test-skips.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const ci = process.env.CI === 'true';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-tests-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

function run(name, cmd, args, { cwd = root, env = {}, vitest = false } = {}) {
  console.log(`\n=== ${name} ===`);
  const report = path.join(tmp, `${name.replace(/\W+/g, '-')}.json`);
  const fullArgs = vitest ? [...args, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`] : args;
  const r = spawnSync(cmd, fullArgs, { cwd, stdio: 'inherit', env: { ...process.env, ...env } });
  if (vitest && fs.existsSync(report)) {
    const j = JSON.parse(fs.readFileSync(report, 'utf8'));
    printSkipped(j, console.log, cwd);
    totals.passed += j.numPassedTests;
    totals.failed += j.numFailedTests;
    totals.skipped += j.numPendingTests + (j.numTodoTests ?? 0);
    // A file that fails to load fails no test; count it so the tally never says 0 failed on a red run.
    if (j.numFailedTests === 0 && r.status !== 0) totals.failed += Math.max(1, j.numFailedTestSuites ?? 0);
    if (j.numFailedTests > 0 && r.status === 0) r.status = 1;
  } else if (!vitest) {
    r.status === 0 ? (totals.passed += 1) : (totals.failed += 1);
  }
  if (r.status !== 0) {
    failures.push(name);
    if (vitest && !fs.existsSync(report)) totals.failed += 1;
  }
}

const hasScript = (ws, script) => {
  const file = path.join(root, ws, 'package.json');
  return fs.existsSync(file) && Boolean(JSON.parse(fs.readFileSync(file, 'utf8')).scripts?.[script]);
};
run('engines (lowest promised Node)', 'node', ['scripts/check-engines.mjs']);
run('typecheck', 'npx', ['tsc', '-p', 'contracts', '--noEmit']);
run('typecheck server', 'npx', ['tsc', '-p', 'server', '--noEmit']);
if (hasScript('web', 'check')) run('typecheck web', 'npm', ['run', 'check', '-w', 'web']);
run('server (SQLite)', 'npx', ['vitest', 'run'], { cwd: path.join(root, 'server'), env: { TEST_DATABASE_URL: '', OWUI_TEST_DIALECT: 'sqlite' }, vitest: true });

if (process.env.TEST_DATABASE_URL) {
  run('server (PostgreSQL)', 'npx', ['vitest', 'run'], { cwd: path.join(root, 'server'), vitest: true });
} else if (ci) {
  console.error('TEST_DATABASE_URL is not set: CI must run the server suite on PostgreSQL (see .ci/run).');
  failures.push('server (PostgreSQL): not run');
  totals.failed += 1;
} else {
  console.log('\n(TEST_DATABASE_URL not set: skipping the PostgreSQL run; `bash scripts/services.sh start` provides one.)');
}

if (hasScript('web', 'test')) run('web', 'npm', ['test', '-w', 'web'], { vitest: false });
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (hasScript('e2e', 'test') && (fs.existsSync(chromium) || ci)) {
  run('build', 'npm', ['run', 'build']);
  run('e2e (Chromium)', 'npx', ['vitest', 'run', '--config', 'vitest.config.ts'], { cwd: path.join(root, 'e2e'), vitest: true });
} else if (hasScript('e2e', 'test')) {
  console.log(`\n(${chromium} not found: skipping the browser tests; \`apt-get install chromium\` enables them.)`);
}

fs.rmSync(tmp, { recursive: true, force: true });
console.log(`\n=== summary ===`);
if (failures.length) console.log(`failed suites: ${failures.join(', ')}`);
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failures.length ? 1 : 0);

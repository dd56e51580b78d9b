// Which tests a vitest run skipped, grouped by file and describe block, each with what enables it, so
// `npm test` never skips silently. Used by scripts/test.mjs; on its own: node scripts/test-skips.mjs report.json
import fs from 'node:fs';
import path from 'node:path';

// First match wins: a pattern is tried against "<file> <describe> <test title>".
const ENABLES = [
  [/nginx/i, 'nginx on the PATH (apt-get install nginx)'],
  [/scale(-outage)?\.test/, 'TEST_DATABASE_URL and TEST_REDIS_URL (eval "$(bash scripts/services.sh start)")'],
  [/PostgreSQL/, 'TEST_DATABASE_URL (a PostgreSQL on loopback; scripts/services.sh starts one)'],
  [/realtime\.test|auths-modes\.test|edge\.test|Redis|redis/, 'TEST_REDIS_URL (a Redis on loopback; scripts/services.sh starts one)'],
  [/may not write|unwritable|as root/i, 'running as root (the test switches to an unprivileged user)'],
];

export function enablerFor(text) {
  return ENABLES.find(([re]) => re.test(text))?.[1] ?? 'what its skipIf/runIf condition in the file asks for';
}

/** Skipped groups of a vitest JSON report: [{ group, count, enabler }]. */
export function skippedGroups(report, root = process.cwd()) {
  const groups = new Map();
  for (const file of report.testResults ?? []) {
    const name = path.relative(root, file.name);
    for (const a of file.assertionResults ?? []) {
      if (!['skipped', 'pending', 'todo'].includes(a.status)) continue;
      const group = [path.basename(name), ...(a.ancestorTitles ?? [])].join(' > ');
      const key = `${group}\u0000${enablerFor(`${name} ${(a.ancestorTitles ?? []).join(' ')} ${a.title}`)}`;
      groups.set(key, (groups.get(key) ?? 0) + 1);
    }
  }
  return [...groups].map(([key, count]) => {
    const [group, enabler] = key.split('\u0000');
    return { group, count, enabler };
  });
}

export function printSkipped(report, log = console.log, root) {
  const groups = skippedGroups(report, root);
  if (!groups.length) return 0;
  const total = groups.reduce((n, g) => n + g.count, 0);
  log(`\nskipped ${total} test${total === 1 ? '' : 's'}:`);
  for (const g of groups) log(`  ${g.group} (${g.count}): needs ${g.enabler}`);
  return total;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  printSkipped(JSON.parse(fs.readFileSync(process.argv[2], 'utf8')));
}

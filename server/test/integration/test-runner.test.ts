import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../../..');

/** scripts/test-skips.mjs: `npm test` names every skipped group and what enables it. */
describe('npm test: skipped groups are printed with what enables them', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'owui-runner-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('groups a vitest JSON report by file and describe block', () => {
    const t = (title: string, ancestorTitles: string[], status = 'skipped') => ({ title, ancestorTitles, status });
    const report = {
      testResults: [
        { name: path.join(root, 'server/test/integration/scale.test.ts'), assertionResults: [t('a', ['two instances on PostgreSQL + Redis']), t('b', ['two instances on PostgreSQL + Redis']), t('through the nginx round-robin balancer', ['two instances on PostgreSQL + Redis'])] },
        { name: path.join(root, 'server/test/integration/edge.test.ts'), assertionResults: [t('shares the public rate limit between instances through Redis', ['edge']), t('passes', ['edge'], 'passed')] },
        { name: path.join(root, 'server/test/integration/cli-and-shutdown.test.ts'), assertionResults: [t('names the user or the database PostgreSQL refuses', ['cli'])] },
        { name: path.join(root, 'server/test/integration/other.test.ts'), assertionResults: [t('x', [], 'todo')] },
      ],
    };
    const file = path.join(dir, 'report.json');
    fs.writeFileSync(file, JSON.stringify(report));
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'test-skips.mjs'), file], { encoding: 'utf8', cwd: root });
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'skipped 6 tests:',
      '  scale.test.ts > two instances on PostgreSQL + Redis (2): needs TEST_DATABASE_URL and TEST_REDIS_URL (eval "$(bash scripts/services.sh start)")',
      '  scale.test.ts > two instances on PostgreSQL + Redis (1): needs nginx on the PATH (apt-get install nginx)',
      '  edge.test.ts > edge (1): needs TEST_REDIS_URL (a Redis on loopback; scripts/services.sh starts one)',
      '  cli-and-shutdown.test.ts > cli (1): needs TEST_DATABASE_URL (a PostgreSQL on loopback; scripts/services.sh starts one)',
      '  other.test.ts (1): needs what its skipIf/runIf condition in the file asks for',
    ]);
  });

  it('runs tests with TMPDIR inside one per-run folder that the run removes (nothing left in /tmp)', () => {
    expect(path.basename(path.dirname(dir))).toMatch(/^owui-vitest-/);
  });
});

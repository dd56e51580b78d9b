import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../../..');

/**
 * Docker cannot run here, so the files are checked as written: the build context leaves out local state
 * and secrets, and the example image runs as a non-root user that owns the data directory.
 */
describe('.dockerignore and the example Dockerfile', () => {
  const ignore = fs
    .readFileSync(path.join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  /** Docker's rules for the patterns used here: `**\/` any depth, trailing `/` a folder, `*` within a name. */
  const ignored = (p: string) =>
    ignore.some((pat) => {
      const body = pat.replace(/\/$/, '');
      const re = new RegExp(
        '^' +
          body
            .split('/')
            .map((seg) => (seg === '**' ? '(?:.*/)?' : seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*') + '/'))
            .join('')
            .replace(/\/$/, '') +
          '(?:/.*)?$',
      );
      return re.test(p) || (!body.includes('/') && re.test(path.basename(p)));
    });

  it('keeps local data, secrets, dependencies, builds and .git out of the build context', () => {
    for (const p of [
      'data/webui.db',
      'data/.webui_secret_key',
      'server/data/x',
      'webui.db',
      'webui.db-wal',
      '.env',
      '.env.local',
      'certs/server.key',
      'node_modules/fastify/package.json',
      'server/node_modules/x',
      'server/dist/server.js',
      'web/build/index.html',
      'web/.svelte-kit/x',
      '.git/HEAD',
      'e2e/artifacts/a.png',
    ]) {
      expect(ignored(p), p).toBe(true);
    }
    for (const p of ['package.json', 'package-lock.json', 'server/src/server.ts', 'server/bin/open-webui.mjs', 'web/src/app.html', 'contracts/src/index.ts', 'server/build.mjs']) {
      expect(ignored(p), p).toBe(false);
    }
  });

  it('runs the final image as a non-root user that owns the data directory', () => {
    const text = fs.readFileSync(path.join(root, 'docs', 'deploy', 'Dockerfile'), 'utf8');
    const lines = text.split('\n').filter((l) => !l.trim().startsWith('#'));
    const lastFrom = lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true);
    const final = lines.slice(lastFrom).join('\n').replace(/\\\n/g, ' ');
    const user = /^USER\s+(\S+)/im.exec(final)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
    const dataDir = /DATA_DIR=(\S+)/.exec(final)?.[1];
    expect(dataDir).toBe('/app/backend/data');
    expect(final).toMatch(new RegExp(`chown -R ${user}:${user} ${dataDir}`));
    // USER comes before the command that starts the server, and nothing switches back to root.
    expect(final.indexOf(`USER ${user}`)).toBeLessThan(final.indexOf('CMD'));
    expect(final.match(/^USER\s/gim)).toHaveLength(1);
  });

  it('the systemd unit runs `serve` as an unprivileged user that may write only its DATA_DIR', () => {
    const unit = fs.readFileSync(path.join(root, 'docs', 'deploy', 'open-webui.service'), 'utf8');
    const get = (k: string) => [...unit.matchAll(new RegExp(`^${k}=(.*)$`, 'gm'))].map((m) => m[1]!.trim());
    expect(get('User')[0]).toBe('open-webui');
    expect(get('ExecStart')[0]).toMatch(/node \S+\/server\/bin\/open-webui\.mjs serve$/);
    const dataDir = get('Environment').join(' ').match(/DATA_DIR=(\S+)/)?.[1];
    expect(dataDir).toBe('/var/lib/open-webui');
    expect(get('ProtectSystem')[0]).toBe('strict');
    expect(get('ReadWritePaths')).toEqual([dataDir]);
    expect(get('KillSignal')[0]).toBe('SIGTERM');
  });
});

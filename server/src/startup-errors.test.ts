import { describe, expect, it } from 'vitest';
import { loadConfig } from './config/env.js';
import { explainStartupError, isUsageError } from './startup-errors.js';

const err = (message: string, props: Record<string, unknown> = {}) => Object.assign(new Error(message), props);

describe('explainStartupError', () => {
  const pg = loadConfig({ DATABASE_URL: 'postgresql://owui:pw@db.example:6543/owui', DATA_DIR: '/srv/data' });
  const sqlite = loadConfig({ DATA_DIR: '/srv/data' });

  it('looks through the migration wrapper to the driver error', () => {
    const wrapped = new Error('Database migration unknown failed: connect ECONNREFUSED 10.0.0.5:6543', { cause: err('connect ECONNREFUSED 10.0.0.5:6543', { code: 'ECONNREFUSED' }) });
    expect(explainStartupError(wrapped, pg)).toBe(
      'cannot reach the database at db.example:6543 named by DATABASE_URL (postgresql://owui@db.example:6543/owui): connect ECONNREFUSED 10.0.0.5:6543. Check DATABASE_URL; is PostgreSQL running there and reachable from this machine?',
    );
  });

  it('says a host name does not resolve', () => {
    expect(explainStartupError(err('getaddrinfo ENOTFOUND db.example', { code: 'ENOTFOUND' }), pg)).toMatch(/the host name does not resolve$/);
  });

  it('names DATABASE_URL, not DATA_DIR, for a SQLite file elsewhere', () => {
    const c = loadConfig({ DATABASE_URL: 'sqlite:////var/db/webui.db', DATA_DIR: '/srv/data' });
    expect(explainStartupError(err('unable to open database file', { code: 'SQLITE_CANTOPEN' }), c)).toMatch(/^the SQLite file '\/var\/db\/webui\.db' named by DATABASE_URL is not usable by /);
  });

  it('points at npm rebuild when the SQLite driver is not built', () => {
    expect(explainStartupError(err('Could not locate the bindings file. Tried:\n → /x/better_sqlite3.node'), sqlite)).toMatch(/Run `npm rebuild better-sqlite3`/);
  });

  it('keeps any other message as it is', () => {
    expect(explainStartupError(err('something else'), sqlite)).toBe('something else');
  });

  it('knows parseArgs usage errors', () => {
    expect(isUsageError(err('Unknown option', { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' }))).toBe(true);
    expect(isUsageError(err('x', { code: 'EACCES' }))).toBe(false);
    expect(isUsageError(null)).toBe(false);
  });
});

import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import type { ConnectionOptions } from 'node:tls';
import type { Client, Entry } from 'ldapts';
import type { UserModel } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { AuthsService } from '../auths/auths.service.js';
import { syncUserGroups } from './group-sync.js';

/**
 * LDAP sign-in with the original's steps (routers/auths.py ldap_auth): bind as the application account
 * (anonymous without LDAP_APP_DN), find the user by LDAP_ATTRIBUTE_FOR_USERNAME under LDAP_SEARCH_BASE
 * with LDAP_SEARCH_FILTERS, bind as that entry with the given password, then find or create the local
 * account by its mail attribute. ldapts is a maintained pure-TypeScript client (no native build).
 */

// ldapts is imported at the first directory sign-in, not at start (most servers never use LDAP).
let ldapts: typeof import('ldapts') | null = null;
/** Only a loaded ldapts can have thrown one (errors come from its Client). */
const isInvalidCredentials = (err: unknown) => ldapts !== null && err instanceof ldapts.InvalidCredentialsError;

export const LDAP_FAILED = 'LDAP authentication failed. Check your user name and password.';

/** RFC 4515 escaping of a value inside a search filter. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\*()\u0000]/g, (c) => '\\' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}

function first(entry: Entry, attr: string): string {
  // Attribute names are case-insensitive in LDAP; ldapts keys entries by the name the server returned.
  const key = Object.keys(entry).find((k) => k.toLowerCase() === attr.toLowerCase());
  const v = key ? entry[key] : undefined;
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined ? '' : Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
}

function all(entry: Entry, attr: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === attr.toLowerCase());
  const v = key ? entry[key] : undefined;
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
}

/** The group's name from its DN ("cn=staff,ou=groups,dc=example" -> "staff"), as the original does. */
export function groupNameFromDn(dn: string): string | null {
  for (const part of dn.split(',')) {
    const p = part.trim();
    if (p.toUpperCase().startsWith('CN=')) return p.slice(3);
  }
  return null;
}

export class LdapService {
  readonly auths: AuthsService;

  constructor(private readonly ctx: AppContext) {
    this.auths = new AuthsService(ctx);
  }

  async #client(): Promise<Client> {
    const s = this.ctx.settings;
    const { timeoutSeconds, startTls } = this.ctx.config.sso.ldap;
    const useTls = s.get('LDAP_USE_TLS');
    const tls: ConnectionOptions = { rejectUnauthorized: s.get('LDAP_VALIDATE_CERT') };
    const caFile = s.get('LDAP_CA_CERT_FILE');
    if (caFile) {
      try {
        tls.ca = await fs.readFile(caFile);
      } catch {
        throw new ApiError(400, 'Failed to configure TLS for LDAP connection.');
      }
    }
    const ciphers = s.get('LDAP_CIPHERS');
    if (ciphers && ciphers !== 'ALL') tls.ciphers = ciphers;
    const host = s.get('LDAP_SERVER_HOST');
    const port = s.get('LDAP_SERVER_PORT') ?? (useTls ? 636 : 389);
    const url = /^ldaps?:\/\//i.test(host) ? host : `${useTls ? 'ldaps' : 'ldap'}://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
    ldapts ??= await import('ldapts');
    const client = new ldapts.Client({ url, timeout: timeoutSeconds * 1000, connectTimeout: timeoutSeconds * 1000, ...(url.startsWith('ldaps') ? { tlsOptions: tls } : {}) });
    if (startTls && !url.startsWith('ldaps')) await client.startTLS(tls);
    return client;
  }

  /**
   * Directory sign-in behind the same failure counters as password sign-in (auths/signin-lockout.ts):
   * a client that failed too often for this name is refused before the directory is asked.
   */
  async signIn(userRaw: string, password: string, ip: string): Promise<UserModel> {
    const key = `ldap:${userRaw.trim().toLowerCase()}`;
    await this.auths.lockout.check(key, ip);
    try {
      const user = await this.#signIn(userRaw, password);
      await this.auths.lockout.succeeded(key, ip);
      return user;
    } catch (err) {
      if (err instanceof ApiError && err.statusCode === 400) await this.auths.lockout.failed(key, ip);
      throw err;
    }
  }

  async #signIn(userRaw: string, password: string): Promise<UserModel> {
    const s = this.ctx.settings;
    if (!s.get('ENABLE_LDAP')) throw new ApiError(400, 'LDAP authentication is not enabled');
    const username = userRaw.trim().toLowerCase();
    // An empty password would be an "unauthenticated bind", which servers answer with success.
    if (!username || !password) throw new ApiError(400, LDAP_FAILED);

    const userAttr = s.get('LDAP_ATTRIBUTE_FOR_USERNAME');
    const mailAttr = s.get('LDAP_ATTRIBUTE_FOR_MAIL');
    const groupsAttr = s.get('LDAP_ATTRIBUTE_FOR_GROUPS');
    const manageGroups = s.get('ENABLE_LDAP_GROUP_MANAGEMENT');

    let entry: Entry;
    let app: Client | null = null;
    try {
      app = await this.#client();
      const appDn = s.get('LDAP_APP_DN');
      if (appDn) {
        try {
          await app.bind(appDn, s.get('LDAP_APP_PASSWORD'));
        } catch (err) {
          if (isInvalidCredentials(err)) throw new ApiError(400, 'Application account bind failed');
          throw err;
        }
      }
      const { searchEntries } = await app.search(s.get('LDAP_SEARCH_BASE'), {
        scope: 'sub',
        filter: `(&(${userAttr}=${escapeFilterValue(username)})${s.get('LDAP_SEARCH_FILTERS')})`,
        attributes: [userAttr, mailAttr, 'cn', ...(manageGroups ? [groupsAttr] : [])],
        sizeLimit: 2,
      });
      if (!searchEntries.length) throw new ApiError(400, LDAP_FAILED);
      entry = searchEntries[0]!;
    } catch (err) {
      throw this.#mapError(err);
    } finally {
      await app?.unbind().catch(() => {});
    }

    if (first(entry, userAttr).toLowerCase() !== username) throw new ApiError(400, 'User record mismatch.');
    const email = first(entry, mailAttr).toLowerCase();
    if (!email) throw new ApiError(400, 'User does not have a valid email address.');

    let user: Client | null = null;
    try {
      user = await this.#client();
      await user.bind(entry.dn, password);
    } catch (err) {
      throw this.#mapError(err);
    } finally {
      await user?.unbind().catch(() => {});
    }

    let account = await this.auths.users.findByEmail(email);
    if (!account) {
      account = await this.auths.createAccount(
        { name: (first(entry, 'cn') || username).slice(0, 255), email, password: randomBytes(24).toString('hex') },
        { checkPassword: false },
      );
    } else {
      account = (await this.auths.users.update(account.id, { last_active_at: Math.floor(Date.now() / 1000) })) ?? account;
    }

    if (manageGroups && account.role !== 'admin') {
      const groups = all(entry, groupsAttr).map(groupNameFromDn).filter((g): g is string => Boolean(g));
      if (groups.length) {
        try {
          await syncUserGroups(this.ctx, account.id, groups, { create: s.get('ENABLE_LDAP_GROUP_CREATION'), source: 'ldap' });
        } catch (err) {
          this.ctx.log.error({ err, userId: account.id }, 'LDAP group sync failed');
        }
      }
    }
    return account;
  }

  #mapError(err: unknown): ApiError {
    if (err instanceof ApiError) return err;
    if (isInvalidCredentials(err)) return new ApiError(400, LDAP_FAILED);
    const code = (err as { code?: unknown }).code;
    const msg = err instanceof Error ? err.message : String(err);
    if (/timeout|timed out/i.test(msg) || code === 'ETIMEDOUT') {
      return new ApiError(504, 'The LDAP server did not answer in time. Please try again later.');
    }
    if (typeof code === 'string' && /^E[A-Z]+/.test(code)) {
      this.ctx.log.warn({ code }, 'LDAP server unreachable');
      return new ApiError(502, 'Could not connect to the LDAP server. Please try again later.');
    }
    if (/certificate|self.signed|tls|ssl/i.test(msg)) {
      this.ctx.log.warn({ detail: msg }, 'LDAP TLS failure');
      return new ApiError(502, 'Could not establish a secure connection to the LDAP server.');
    }
    this.ctx.log.warn({ detail: msg.slice(0, 300) }, 'LDAP authentication error');
    return new ApiError(400, 'LDAP authentication failed.');
  }
}

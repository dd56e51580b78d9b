import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { AddUserForm, SessionUserResponse, SignupForm, UserModel, UserRole } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { hasPermission, permissionsFor } from '../users/permissions.js';
import { GroupsRepository } from '../groups/groups.repository.js';
import { UsersRepository } from '../users/users.repository.js';
import { AuthsRepository } from './auths.repository.js';
import { DUMMY_HASH, PasswordPolicy } from './passwords.js';
import { SigninLockout } from './signin-lockout.js';
import { parseDuration, TokenService, type TokenClaims } from './tokens.js';

// The original's check: something@something.tld, or a local account ending in @localhost. Whitespace
// and control characters are refused outright (the original's pattern let them through).
const EMAIL = /^[^@\s\p{Cc}]+@[^@\s\p{Cc}]+\.[^@\s\p{Cc}]+$/u;
const LOCAL_EMAIL = /^[^@\s\p{Cc}]+@localhost$/u;
export const isValidEmail = (email: string) => EMAIL.test(email) || LOCAL_EMAIL.test(email);

export const NO_AUTH_EMAIL = 'admin@localhost';
const NO_AUTH_PASSWORD = 'admin';

export interface Issued {
  token: string;
  claims: TokenClaims;
}

export interface NewAccount {
  name: string;
  email: string;
  password: string;
  profile_image_url?: string;
  /** Set by an admin; otherwise the first account is admin and later ones get DEFAULT_USER_ROLE. */
  role?: UserRole;
}

/** Accounts, sign-in and tokens: the rules of reference sections 2.1-2.5. */
export class AuthsService {
  readonly users: UsersRepository;
  readonly auths: AuthsRepository;
  readonly tokens: TokenService;
  readonly passwords: PasswordPolicy;
  readonly lockout: SigninLockout;

  constructor(private readonly ctx: Omit<AppContext, 'log'> & { log?: AppContext['log'] }) {
    this.users = new UsersRepository(ctx.db);
    this.auths = new AuthsRepository(ctx.db);
    this.tokens = new TokenService(ctx.secretKey);
    const { attempts, windowSeconds } = ctx.config.auth.signinRateLimit;
    this.lockout = new SigninLockout(ctx.state, { attempts, windowSeconds, perIpAttempts: attempts * 4 });
    this.passwords = new PasswordPolicy(ctx.config.auth.passwordValidation, 10, (m) => ctx.log?.warn(m));
  }

  /** Email normalised and checked; throws the original's 400 for a malformed one. */
  normaliseEmail(raw: string): string {
    const email = raw.trim().toLowerCase();
    if (!isValidEmail(email)) throw new ApiError(400, ERROR_MESSAGES.INVALID_EMAIL_FORMAT);
    return email;
  }

  /**
   * Creates the user and auth rows in one transaction (no half-made account on any failure). The
   * first-user check happens inside it so two simultaneous first sign-ups cannot both become admin.
   */
  async createAccount(input: NewAccount, opts: { checkPassword?: boolean } = {}): Promise<UserModel> {
    const email = this.normaliseEmail(input.email);
    if (opts.checkPassword !== false) this.passwords.check(input.password);
    if (await this.users.findByEmail(email)) throw new ApiError(400, ERROR_MESSAGES.EMAIL_TAKEN);
    const hash = await this.passwords.hash(input.password);
    const { db } = this.ctx;
    let first = false;
    let user: UserModel;
    try {
      user = await db.kysely.transaction().execute(async (tx) => {
        if (db.dialect === 'postgres') await sql`select pg_advisory_xact_lock(7245310)`.execute(tx);
        if (await this.users.findByEmail(email, tx)) throw new ApiError(400, ERROR_MESSAGES.EMAIL_TAKEN);
        first = (await this.users.count(tx)) === 0;
        const role: UserRole = input.role ?? (first ? 'admin' : this.ctx.settings.get('DEFAULT_USER_ROLE'));
        const id = randomUUID();
        const created = await this.users.insert(tx, {
          id,
          name: input.name.trim() || email,
          email,
          role: first ? 'admin' : role,
          profile_image_url: input.profile_image_url || '/user.png',
        });
        await this.auths.insert(tx, { id, email, password: hash });
        return created;
      });
    } catch (err) {
      if (err instanceof ApiError) throw err;
      // A unique-index race lost to a concurrent sign-up with the same email.
      if (await this.users.findByEmail(email)) throw new ApiError(400, ERROR_MESSAGES.EMAIL_TAKEN);
      this.ctx.log?.error({ err }, 'creating a user failed');
      throw new ApiError(500, ERROR_MESSAGES.CREATE_USER_ERROR);
    }
    // Once an admin exists, open registration closes until that admin reopens it.
    if (first) await this.ctx.settings.set({ ENABLE_SIGNUP: false });
    else await GroupsRepository.for(this.ctx).addToDefaultGroup(user.id, this.ctx.settings.get('DEFAULT_GROUP_ID'));
    return user;
  }

  /** `POST /signup`, gated like the original. */
  async signup(form: SignupForm): Promise<UserModel> {
    const { auth } = this.ctx.config;
    const count = await this.users.count();
    if (!auth.enabled) {
      if (count > 0) throw new ApiError(403, ERROR_MESSAGES.ACCESS_PROHIBITED);
    } else {
      const open = this.ctx.settings.get('ENABLE_SIGNUP') && this.ctx.settings.get('ENABLE_LOGIN_FORM');
      const initial = count === 0 && auth.enableInitialAdminSignup;
      if (!open && !initial) throw new ApiError(403, ERROR_MESSAGES.ACCESS_PROHIBITED);
    }
    return this.createAccount(form);
  }

  /** `POST /add` by an admin: role defaults to pending. */
  async add(form: AddUserForm): Promise<UserModel> {
    return this.createAccount({ ...form, role: form.role ?? 'pending' });
  }

  /** Email + password sign-in (rate limit applied by the caller). */
  async signinWithPassword(emailRaw: string, password: string): Promise<UserModel> {
    if (!this.ctx.config.auth.enablePasswordAuth) throw new ApiError(403, ERROR_MESSAGES.ACTION_PROHIBITED);
    const email = emailRaw.trim().toLowerCase();
    const creds = await this.auths.findCredentials(email);
    // Unknown email (or an account without a bcrypt hash): same work against the dummy hash, same time.
    const stored = creds?.password?.startsWith('$2') ? creds.password : DUMMY_HASH;
    const ok = (await this.passwords.verify(password, stored)) && stored !== DUMMY_HASH;
    if (!creds || !ok) throw new ApiError(400, ERROR_MESSAGES.INVALID_CRED);
    return this.#touch(creds.id);
  }

  /**
   * Password sign-in behind the failure counters (signin-lockout.ts): refused with 429 before hashing when
   * this client (IP) failed too often for the email or overall; only wrong passwords are counted.
   */
  async signinWithPasswordFrom(emailRaw: string, password: string, ip: string): Promise<UserModel> {
    await this.lockout.check(emailRaw, ip);
    let user: UserModel;
    try {
      user = await this.signinWithPassword(emailRaw, password);
    } catch (err) {
      if (err instanceof ApiError && err.statusCode === 400) await this.lockout.failed(emailRaw, ip);
      throw err;
    }
    await this.lockout.succeeded(emailRaw, ip);
    return user;
  }

  /** WEBUI_AUTH=false: everyone is the one local admin, created on first use. */
  async signinWithoutAuth(): Promise<UserModel> {
    const existing = await this.users.findByEmail(NO_AUTH_EMAIL);
    if (existing) return this.#touch(existing.id);
    if ((await this.users.count()) > 0) throw new ApiError(400, ERROR_MESSAGES.EXISTING_USERS);
    return this.createAccount({ name: 'User', email: NO_AUTH_EMAIL, password: NO_AUTH_PASSWORD });
  }

  /** WEBUI_AUTH_TRUSTED_EMAIL_HEADER: the proxy vouches for the email; unknown ones get an account. */
  async signinTrusted(emailHeader: string | undefined, nameHeader: string | undefined): Promise<UserModel> {
    if (!emailHeader) throw new ApiError(400, ERROR_MESSAGES.INVALID_TRUSTED_HEADER);
    const email = emailHeader.trim().toLowerCase();
    const existing = await this.users.findByEmail(email);
    if (existing) return this.#touch(existing.id);
    let name = email;
    if (nameHeader) {
      try {
        name = decodeURIComponent(nameHeader);
      } catch {
        name = nameHeader;
      }
    }
    return this.createAccount({ name: name.slice(0, 255), email, password: randomBytes(24).toString('hex') }, { checkPassword: false });
  }

  async issueToken(userId: string, expiresInMs: number | null = parseDuration(this.ctx.settings.get('JWT_EXPIRES_IN'))): Promise<Issued> {
    return this.tokens.create(userId, expiresInMs);
  }

  async session(user: UserModel, token: string, expiresAt: number | null): Promise<SessionUserResponse> {
    return {
      token,
      token_type: 'Bearer',
      expires_at: expiresAt,
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      profile_image_url: user.profile_image_url,
      permissions: await permissionsFor(this.ctx, user),
      bio: user.bio ?? null,
      gender: user.gender ?? null,
      date_of_birth: user.date_of_birth ?? null,
      status_emoji: null,
      status_message: null,
      status_expires_at: null,
    };
  }

  /** Changes a password and voids every token issued before now (on every instance). */
  async setPassword(userId: string, password: string): Promise<void> {
    this.passwords.check(password);
    const hash = await this.passwords.hash(password);
    await this.ctx.db.kysely.transaction().execute(async (tx) => {
      await this.auths.updatePassword(tx, userId, hash);
      await this.auths.revokeAllBefore(tx, userId, Date.now());
    });
  }

  async changeOwnPassword(user: UserModel, current: string, next: string): Promise<void> {
    if (this.ctx.config.auth.trustedEmailHeader) throw new ApiError(400, ERROR_MESSAGES.ACTION_PROHIBITED);
    const hash = await this.auths.findHash(user.id);
    if (!hash || !(await this.passwords.verify(current, hash))) throw new ApiError(400, ERROR_MESSAGES.INCORRECT_PASSWORD);
    await this.setPassword(user.id, next);
  }

  async createApiKey(user: UserModel): Promise<string> {
    if (!this.ctx.settings.get('ENABLE_API_KEYS') || !(await hasPermission(this.ctx, user, 'features.api_keys'))) {
      throw new ApiError(403, ERROR_MESSAGES.API_KEY_CREATION_NOT_ALLOWED);
    }
    // One key per user: writing the new one replaces (and so invalidates) the old.
    const key = `sk-${randomUUID().replaceAll('-', '')}`;
    const updated = await this.users.update(user.id, { api_key: key });
    if (!updated) throw new ApiError(500, ERROR_MESSAGES.CREATE_API_KEY_ERROR);
    return key;
  }

  async #touch(id: string): Promise<UserModel> {
    const user = await this.users.update(id, { last_active_at: Math.floor(Date.now() / 1000) });
    if (!user) throw new ApiError(400, ERROR_MESSAGES.INVALID_CRED);
    return user;
  }
}

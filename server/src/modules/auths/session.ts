import type { FastifyRequest } from 'fastify';
import type { UserModel } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import type { Authenticator } from '../../plugins/auth-guard.js';
import { hasPermission } from '../users/permissions.js';
import { UsersRepository } from '../users/users.repository.js';
import { TokenService, type TokenClaims } from './tokens.js';

/** Where a session token can come from: the Authorization header wins over the `token` cookie. */
export function tokenFromRequest(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const [scheme, value] = header.split(' ', 2);
    if (scheme?.toLowerCase() === 'bearer' && value) return value.trim();
  }
  return request.cookies?.token || undefined;
}

/** Decides whether a token that verifies is still honoured (sign-out, password change). */
export interface RevocationCheck {
  isRevoked(claims: TokenClaims): Promise<boolean>;
  /** True when the answer depends on the database alone (so `Db.changeStamp` says when it may change). */
  readonly inDatabase?: boolean;
  /** The token's user unless revoked, in one database read (instead of isRevoked + the user lookup). */
  userUnlessRevoked?(claims: TokenClaims): Promise<UserModel | undefined>;
}

/** What a token resolved to, and the database change stamp it was read under. */
interface Resolved {
  stamp: number;
  user: UserModel | null;
}

/**
 * Resolves a request's caller from a JWT or an `sk-` API key, with Open WebUI's error texts.
 */
export class SessionAuthenticator implements Authenticator {
  readonly users: UsersRepository;
  readonly tokens: TokenService;
  /**
   * token -> the user its revocation probe and user row gave, valid only while the database's change
   * stamp is the one it was read under (SQLite: any write by this process, any commit by another
   * connection or process changes it; see Db.changeStamp). So a sign-out, role change or deletion,
   * here or on another instance sharing the file, is seen by the next request, and a request that
   * finds nothing changed skips both queries. Off on PostgreSQL (no exact change signal).
   */
  readonly #resolved = new Map<string, Resolved>();
  static readonly RESOLVED_CACHE_SIZE = 1000;

  constructor(
    private readonly ctx: AppContext,
    private readonly revocations: RevocationCheck = { isRevoked: async () => false },
  ) {
    this.users = new UsersRepository(ctx.db);
    this.tokens = new TokenService(ctx.secretKey);
  }

  async authenticate(request: FastifyRequest): Promise<{ user: UserModel; via: 'jwt' | 'api_key' }> {
    const token = tokenFromRequest(request);
    if (!token) throw new ApiError(401, ERROR_MESSAGES.NOT_AUTHENTICATED);
    if (token.startsWith('sk-')) return { user: this.#checkTrustedHeader(await this.#fromApiKey(token, request), request), via: 'api_key' };
    const user = await this.userFromJwt(token);
    if (!user) throw new ApiError(401, ERROR_MESSAGES.INVALID_TOKEN);
    return { user: this.#checkTrustedHeader(user, request), via: 'jwt' };
  }

  // Behind a trusted-header proxy the proxy's say-so wins: a token for someone else is refused.
  #checkTrustedHeader(user: UserModel, request: FastifyRequest): UserModel {
    const header = this.ctx.config.auth.trustedEmailHeader;
    if (!header) return user;
    const value = request.headers[header.toLowerCase()];
    const email = Array.isArray(value) ? value[0] : value;
    if (email && email.trim().toLowerCase() !== user.email.toLowerCase()) {
      throw new ApiError(401, ERROR_MESSAGES.USER_MISMATCH, { 'set-cookie': 'token=; Path=/; Max-Age=0; HttpOnly' });
    }
    return user;
  }

  /** The user behind a JWT, or null when the token is forged, expired, revoked or its user is gone. */
  async userFromJwt(token: string): Promise<UserModel | null> {
    const claims = await this.tokens.verify(token); // expiry checked on every call
    if (!claims) return null;
    // Read before the queries: a write landing between the two makes the entry stale at once.
    const stamp = this.revocations.inDatabase ? (this.ctx.db.changeStamp?.() ?? null) : null;
    if (stamp !== null) {
      const known = this.#resolved.get(token);
      // A copy: handlers may add to the user they are given.
      if (known && known.stamp === stamp) return known.user && { ...known.user };
    }
    const user = this.revocations.userUnlessRevoked
      ? ((await this.revocations.userUnlessRevoked(claims)) ?? null)
      : (await this.revocations.isRevoked(claims))
        ? null
        : ((await this.users.findById(claims.id)) ?? null);
    if (stamp !== null) {
      if (this.#resolved.size >= SessionAuthenticator.RESOLVED_CACHE_SIZE && !this.#resolved.has(token)) this.#resolved.delete(this.#resolved.keys().next().value!);
      this.#resolved.set(token, { stamp, user: user && { ...user } });
    }
    return user;
  }

  async #fromApiKey(key: string, request: FastifyRequest): Promise<UserModel> {
    const settings = this.ctx.settings;
    if (!settings.get('ENABLE_API_KEYS')) throw new ApiError(403, ERROR_MESSAGES.API_KEY_NOT_ALLOWED);
    const user = await this.users.findByApiKey(key);
    if (!user) throw new ApiError(401, ERROR_MESSAGES.INVALID_TOKEN);
    if (!(await hasPermission(this.ctx, user, 'features.api_keys'))) throw new ApiError(403, ERROR_MESSAGES.API_KEY_NOT_ALLOWED);
    if (settings.get('ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS')) {
      const allowed = settings
        .get('API_KEYS_ALLOWED_ENDPOINTS')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const path = request.url.split('?')[0]!;
      if (!allowed.some((p) => path === p || path.startsWith(p.replace(/\/$/, '') + '/'))) {
        throw new ApiError(403, ERROR_MESSAGES.API_KEY_ENDPOINT_NOT_ALLOWED);
      }
    }
    return user;
  }
}

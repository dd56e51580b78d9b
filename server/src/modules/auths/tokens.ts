import { createHash, randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, errors } from 'jose';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `JWT_EXPIRES_IN` ("4w", "1h30m", "-1", "0") in milliseconds; null means the token never expires. */
export function parseDuration(value: string): number | null {
  const v = value.trim();
  if (v === '-1' || v === '0') return null;
  const parts = [...v.matchAll(/(\d+)(ms|s|m|h|d|w)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== v) throw new Error(`Invalid duration: ${value}`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]!]!, 0);
}

export interface TokenClaims {
  id: string;
  jti: string;
  /** Issued-at (seconds), used to invalidate every older token of a user after a password change. */
  iat: number;
  /**
   * Issue time in ms (claim `iat_ms`), so a password change voids every token issued before it even
   * within the same second. Tokens without it (e.g. from the original) fall back to `iat` * 1000.
   */
  issuedAtMs: number;
  exp?: number;
}

/** HS256 JWTs with Open WebUI's claims (`id`, `exp`, `jti`) so its tokens and ours are interchangeable. */
export class TokenService {
  readonly #key: Uint8Array;
  /**
   * Tokens whose signature already checked out. Every authenticated request verifies its token, and
   * jose's HMAC check through WebCrypto costs more CPU than the rest of a proxied request; the same
   * token string always has the same signature, so only the expiry needs checking again. Bounded;
   * revocation is decided elsewhere (per request), so this cache never keeps a signed-out token alive.
   */
  readonly #verified = new Map<string, TokenClaims>();
  static readonly VERIFIED_CACHE_SIZE = 1000;
  constructor(secret: string) {
    this.#key = new TextEncoder().encode(secret);
  }

  async create(userId: string, expiresInMs: number | null): Promise<{ token: string; claims: TokenClaims }> {
    const now = Date.now();
    const claims: TokenClaims = { id: userId, jti: randomUUID(), iat: Math.floor(now / 1000), issuedAtMs: now };
    if (expiresInMs !== null) claims.exp = Math.floor((now + expiresInMs) / 1000);
    const payload: Record<string, unknown> = { id: claims.id, jti: claims.jti, iat: claims.iat, iat_ms: now };
    if (claims.exp !== undefined) payload.exp = claims.exp;
    const token = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(this.#key);
    return { token, claims };
  }

  /** Returns the claims, or null for anything forged, malformed or expired. */
  async verify(token: string): Promise<TokenClaims | null> {
    const known = this.#verified.get(token);
    if (known) {
      // Same rule as jose: expired once `exp` is not after the current second.
      if (known.exp === undefined || known.exp > Math.floor(Date.now() / 1000)) return { ...known };
      this.#verified.delete(token);
      return null;
    }
    try {
      const { payload } = await jwtVerify(token, this.#key, { algorithms: ['HS256'] });
      if (typeof payload.id !== 'string') return null;
      const iat = typeof payload.iat === 'number' ? payload.iat : 0;
      const issuedAtMs = typeof payload.iat_ms === 'number' ? payload.iat_ms : iat * 1000;
      // A token without a jti (issued by Open WebUI) is named by its own digest, so signing out can
      // revoke exactly that token like any other.
      const jti = typeof payload.jti === 'string' && payload.jti ? payload.jti : `sha256:${createHash('sha256').update(token).digest('base64url')}`;
      const claims: TokenClaims = { id: payload.id, jti, iat, issuedAtMs, exp: payload.exp };
      if (this.#verified.size >= TokenService.VERIFIED_CACHE_SIZE) this.#verified.delete(this.#verified.keys().next().value!);
      this.#verified.set(token, claims);
      return { ...claims };
    } catch (err) {
      if (err instanceof errors.JOSEError) return null;
      throw err;
    }
  }
}

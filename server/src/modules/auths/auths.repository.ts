import { sql, type CompiledQuery, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { UserModel } from '@owui/contracts';
import type { Db } from '../../db/database.js';
import { Precompiled } from '../../db/precompiled.js';
import type { Database, UserTable } from '../../db/tables.js';
import { toUserModel } from '../users/users.repository.js';
import type { TokenClaims } from './tokens.js';

type Exec = Kysely<Database> | Transaction<Database>;

// Placeholders the compiled revocation query carries until a call substitutes the real values.
const REVOKED_JTI = '\u0000owui-revoked-jti';
const REVOKED_USER = '\u0000owui-revoked-user';

type UserWithRevocation = Selectable<UserTable> & { owui_revoked: unknown; owui_cutoff: unknown };

/** The user row and both revocation probes of a token in one statement (one round trip on PostgreSQL). */
const USER_UNLESS_REVOKED = new Precompiled<UserWithRevocation>(3, (k, userId, jti, cutoffUserId) =>
  (k as unknown as Kysely<Database>)
    .selectFrom('user')
    .selectAll('user')
    .select((eb) => [
      eb.selectFrom('revoked_token').select(sql<number>`1`.as('x')).where('jti', '=', jti!).as('owui_revoked'),
      eb.selectFrom('token_cutoff').select('issued_before_ms').where('user_id', '=', cutoffUserId!).as('owui_cutoff'),
    ])
    .where('user.id', '=', userId!),
);

/** SQL for the `auth` table (password hashes) and for token revocation. */
export class AuthsRepository {
  constructor(private readonly db: Db) {}

  /** The password hash of an active account, looked up by (case-insensitive) email. */
  async findCredentials(email: string): Promise<{ id: string; password: string } | undefined> {
    return this.db.kysely
      .selectFrom('auth')
      .innerJoin('user', 'user.id', 'auth.id')
      .select(['auth.id', 'auth.password', 'auth.active'])
      .where((eb) => eb(eb.fn('lower', ['user.email']), '=', email.toLowerCase()))
      .executeTakeFirst()
      .then((r) => (r && Boolean(r.active) ? { id: r.id, password: r.password } : undefined));
  }

  async findHash(userId: string): Promise<string | undefined> {
    const r = await this.db.kysely.selectFrom('auth').select('password').where('id', '=', userId).executeTakeFirst();
    return r?.password;
  }

  async insert(exec: Exec, row: { id: string; email: string; password: string }): Promise<void> {
    await exec.insertInto('auth').values({ ...row, active: true }).execute();
  }

  async updatePassword(exec: Exec, userId: string, hash: string): Promise<void> {
    await exec.updateTable('auth').set({ password: hash }).where('id', '=', userId).execute();
  }

  async updateEmail(exec: Exec, userId: string, email: string): Promise<void> {
    await exec.updateTable('auth').set({ email }).where('id', '=', userId).execute();
  }

  /** Voids one token until it would have expired anyway. */
  async revoke(claims: TokenClaims, userId: string): Promise<void> {
    if (!claims.jti) return;
    const nowSec = Math.floor(Date.now() / 1000);
    const k = this.db.kysely;
    await k
      .insertInto('revoked_token')
      .values({ jti: claims.jti, user_id: userId, expires_at: claims.exp ?? null })
      .onConflict((oc) => oc.column('jti').doNothing())
      .execute();
    // Housekeeping rides along with sign-outs, so the table stays as small as the live token set.
    await k.deleteFrom('revoked_token').where('expires_at', '<', nowSec).execute();
  }

  /** Voids every token of the user issued before now (password changes). */
  async revokeAllBefore(exec: Exec, userId: string, ms: number): Promise<void> {
    await exec
      .insertInto('token_cutoff')
      .values({ user_id: userId, issued_before_ms: ms })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ issued_before_ms: ms }))
      .execute();
  }

  /**
   * One round trip, two primary-key probes: is this jti revoked, and is the token older than the
   * user's cutoff? This runs on every authenticated request, so the query is built and compiled once
   * per repository (Kysely's builder + compiler cost ~50-70 us a call) and run with new parameters.
   */
  async isRevoked(claims: TokenClaims): Promise<boolean> {
    const q = (this.#revokedQuery ??= this.#compileRevokedQuery());
    const parameters = q.compiled.parameters.map((p) => (p === REVOKED_JTI ? claims.jti : p === REVOKED_USER ? claims.id : p));
    const { rows } = await this.db.kysely.executeQuery<{ revoked: unknown; cutoff: unknown }>({ ...q.compiled, parameters });
    const r = rows[0];
    if (!r) throw new Error('revocation query returned no row');
    if (r.revoked !== null && r.revoked !== undefined) return true;
    return r.cutoff !== null && r.cutoff !== undefined && claims.issuedAtMs < Number(r.cutoff);
  }

  /**
   * What a verified token resolves to: its user, or undefined when the token is revoked (signed out,
   * older than a password change) or the user is gone. The same answer as isRevoked + the user
   * lookup, in one query instead of two.
   */
  async userUnlessRevoked(claims: TokenClaims): Promise<UserModel | undefined> {
    const [row] = await USER_UNLESS_REVOKED.rows(this.db, [claims.id, claims.jti, claims.id]);
    if (!row) return undefined;
    const { owui_revoked: revoked, owui_cutoff: cutoff, ...user } = row;
    if (revoked !== null && revoked !== undefined) return undefined;
    if (cutoff !== null && cutoff !== undefined && claims.issuedAtMs < Number(cutoff)) return undefined;
    return toUserModel(user);
  }

  #revokedQuery: { compiled: CompiledQuery } | undefined;

  #compileRevokedQuery(): { compiled: CompiledQuery } {
    const compiled = this.db.kysely
      .selectNoFrom((eb) => [
        eb.selectFrom('revoked_token').select(sql<number>`1`.as('x')).where('jti', '=', REVOKED_JTI).as('revoked'),
        eb.selectFrom('token_cutoff').select('issued_before_ms').where('user_id', '=', REVOKED_USER).as('cutoff'),
      ])
      .compile();
    if (compiled.parameters.filter((p) => p === REVOKED_JTI || p === REVOKED_USER).length !== 2) throw new Error('revocation query parameters not found');
    return { compiled };
  }
}

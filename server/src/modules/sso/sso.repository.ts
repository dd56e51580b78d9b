import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import type { UserModel } from '@owui/contracts';
import type { Db } from '../../db/database.js';
import { toUserModel } from '../users/users.repository.js';

/**
 * SQL of single sign-on: accounts by `user.oauth_sub` ("<provider>@<sub>", the original's format) and
 * the `oauth_session` rows. The IdP token set is stored encrypted (AES-256-GCM, key derived from
 * WEBUI_SECRET_KEY / OAUTH_SESSION_TOKEN_ENCRYPTION_KEY); only the id token is read back, at sign-out.
 */
export class SsoRepository {
  readonly #key: Buffer;

  constructor(
    private readonly db: Db,
    encryptionKey: string,
  ) {
    this.#key = createHash('sha256').update(`oauth-session:${encryptionKey}`).digest();
  }

  async findByOauthSub(sub: string): Promise<UserModel | undefined> {
    const row = await this.db.kysely.selectFrom('user').selectAll().where('oauth_sub', '=', sub).executeTakeFirst();
    return row && toUserModel(row);
  }

  async setOauthSub(userId: string, sub: string): Promise<void> {
    await this.db.kysely.updateTable('user').set({ oauth_sub: sub, updated_at: Math.floor(Date.now() / 1000) }).where('id', '=', userId).execute();
  }

  /** Replaces the user's session at this provider (the original keeps one per user and provider). */
  async saveSession(userId: string, provider: string, token: Record<string, unknown>, expiresAt: number): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const id = randomUUID();
    await this.db.kysely.transaction().execute(async (tx) => {
      await tx.deleteFrom('oauth_session').where('user_id', '=', userId).where('provider', '=', provider).execute();
      await tx.deleteFrom('oauth_session').where('expires_at', '<', now).execute();
      await tx
        .insertInto('oauth_session')
        .values({ id, user_id: userId, provider, token: this.#encrypt(JSON.stringify(token)), expires_at: expiresAt, created_at: now, updated_at: now })
        .execute();
    });
    return id;
  }

  async findSession(id: string): Promise<{ provider: string; userId: string; token: Record<string, unknown> } | null> {
    const row = await this.db.kysely.selectFrom('oauth_session').select(['provider', 'user_id', 'token']).where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    try {
      return { provider: row.provider, userId: row.user_id, token: JSON.parse(this.#decrypt(row.token)) as Record<string, unknown> };
    } catch {
      return null; // written under another key (e.g. adopted from the original): no id token to offer
    }
  }

  async deleteSession(id: string): Promise<void> {
    await this.db.kysely.deleteFrom('oauth_session').where('id', '=', id).execute();
  }

  #encrypt(text: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([c.update(text, 'utf8'), c.final()]);
    return `v1.${Buffer.concat([iv, c.getAuthTag(), body]).toString('base64url')}`;
  }

  #decrypt(value: string): string {
    if (!value.startsWith('v1.')) throw new Error('unknown token format');
    const raw = Buffer.from(value.slice(3), 'base64url');
    const d = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  }
}

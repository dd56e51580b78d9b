import { randomUUID } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { UserModel, UserRole } from '@owui/contracts';
import type { AppContext } from '../../src/context.js';
import { TokenService } from '../../src/modules/auths/tokens.js';

let seq = 0;

/**
 * Inserts a user with a password straight into the database (no HTTP) and returns it with a valid
 * session token. For tests that need a signed-in caller of a given role.
 */
export async function createUser(
  ctx: AppContext,
  overrides: Partial<Pick<UserModel, 'name' | 'email' | 'role'>> & { password?: string } = {},
): Promise<{ user: UserModel; token: string; password: string }> {
  seq += 1;
  const now = Math.floor(Date.now() / 1000);
  const id = randomUUID();
  const password = overrides.password ?? 'password123';
  const role: UserRole = overrides.role ?? 'user';
  const email = overrides.email ?? `user${seq}-${id.slice(0, 6)}@example.com`;
  const row = {
    id,
    name: overrides.name ?? `User ${seq}`,
    email,
    username: null,
    role,
    profile_image_url: '/user.png',
    bio: null,
    gender: null,
    date_of_birth: null,
    info: null,
    settings: null,
    api_key: null,
    oauth_sub: null,
    last_active_at: now,
    updated_at: now,
    // Spread creation times so "oldest user" (the primary admin) is well defined.
    created_at: now + seq,
  };
  await ctx.db.kysely.insertInto('user').values(row).execute();
  await ctx.db.kysely.insertInto('auth').values({ id, email, password: bcrypt.hashSync(password, 4), active: true }).execute();
  const { token } = await new TokenService(ctx.secretKey).create(id, 3_600_000);
  return { user: { ...row, role, info: null, settings: null }, token, password };
}

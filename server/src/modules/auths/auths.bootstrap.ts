import type { AppContext } from '../../context.js';
import { AuthsService } from './auths.service.js';

/**
 * WEBUI_ADMIN_EMAIL + WEBUI_ADMIN_PASSWORD: on an empty database, create that admin at start-up (which
 * also closes sign-up, as the first account always does) so a headless deployment needs no browser.
 * Returns the new admin's email, or null when nothing was done.
 */
export async function seedAdminAccount(ctx: Omit<AppContext, 'log'> & { log?: AppContext['log'] }): Promise<string | null> {
  const { email, password, name } = ctx.config.auth.admin;
  if (!email || !password) return null;
  const svc = new AuthsService(ctx);
  if ((await svc.users.count()) > 0) return null;
  const user = await svc.createAccount({ name: name || 'Admin', email, password, role: 'admin' });
  return user.email;
}

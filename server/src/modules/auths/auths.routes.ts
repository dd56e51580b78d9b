import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AddUserForm, SigninForm, SignupForm, UpdatePasswordForm, UpdateProfileForm, UpdateTimezoneForm, type UserModel } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { currentUser } from '../../plugins/auth-guard.js';
import type { ZodTypeProvider } from '../../plugins/zod.js';
import { adminConfigRoutes } from './auths.admin.routes.js';
import { AuthsService } from './auths.service.js';
import { clearAuthCookies, setTokenCookie } from './cookies.js';
import { tokenFromRequest } from './session.js';
import { syncUserGroups } from '../sso/group-sync.js';
import { providerSignoutUrl } from '../sso/oauth.routes.js';

/** Account routes are small JSON: a 10 MB body is refused before it is read. */
export const AUTH_BODY_LIMIT = 1024 * 1024;
const P = '/api/v1/auths';

export async function authsRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = new AuthsService(ctx);
  const { auth } = ctx.config;
  const body = { bodyLimit: AUTH_BODY_LIMIT } as const;

  async function startSession(reply: FastifyReply, user: UserModel) {
    const { token, claims } = await svc.issueToken(user.id);
    setTokenCookie(reply, auth.cookie, token, claims.exp);
    return svc.session(user, token, claims.exp ?? null);
  }

  app.get(`${P}/`, { config: { auth: 'any' } }, async (request, reply) => {
    const user = currentUser(request);
    const token = tokenFromRequest(request)!;
    if (request.authVia === 'api_key') return svc.session(user, token, null);
    const claims = await svc.tokens.verify(token);
    setTokenCookie(reply, auth.cookie, token, claims?.exp);
    return svc.session(user, token, claims?.exp ?? null);
  });

  app.post(`${P}/signin`, { ...body, config: { auth: 'public' }, schema: { body: SigninForm } }, async (request, reply) => {
    let user: UserModel;
    if (!auth.enabled) user = await svc.signinWithoutAuth();
    else if (auth.trustedEmailHeader) {
      user = await svc.signinTrusted(header(request, auth.trustedEmailHeader), auth.trustedNameHeader ? header(request, auth.trustedNameHeader) : undefined);
      // WEBUI_AUTH_TRUSTED_GROUPS_HEADER: comma-separated group names the proxy vouches for (non-admins).
      const groups = ctx.config.sso.trustedGroupsHeader ? header(request, ctx.config.sso.trustedGroupsHeader) : undefined;
      if (groups && user.role !== 'admin') await syncUserGroups(ctx, user.id, groups.split(','), { source: 'trusted-header' });
    } else {
      user = await svc.signinWithPasswordFrom(request.body.email, request.body.password, request.ip);
    }
    return startSession(reply, user);
  });

  app.post(`${P}/signup`, { ...body, config: { auth: 'public' }, schema: { body: SignupForm } }, async (request, reply) => {
    const user = await svc.signup(request.body);
    return startSession(reply, user);
  });

  app.get(`${P}/signout`, { config: { auth: 'public' } }, async (request, reply) => {
    const token = tokenFromRequest(request);
    if (token && !token.startsWith('sk-')) {
      const claims = await svc.tokens.verify(token);
      if (claims) await svc.auths.revoke(claims, claims.id);
    }
    // Signed in through an OpenID provider with an end-session endpoint: sign out there too.
    const providerUrl = await providerSignoutUrl(ctx, request.cookies.oauth_session_id);
    clearAuthCookies(reply);
    if (providerUrl) return { status: true, redirect_url: providerUrl };
    return auth.signoutRedirectUrl ? { status: true, redirect_url: auth.signoutRedirectUrl } : { status: true };
  });

  app.post(`${P}/update/profile`, { ...body, config: { auth: 'verified' }, schema: { body: UpdateProfileForm } }, async (request) => {
    const me = currentUser(request);
    const b = request.body;
    const user = await svc.users.update(me.id, {
      name: b.name,
      profile_image_url: b.profile_image_url,
      ...(b.bio !== undefined ? { bio: b.bio } : {}),
      ...(b.gender !== undefined ? { gender: b.gender } : {}),
      ...(b.date_of_birth !== undefined ? { date_of_birth: b.date_of_birth } : {}),
    });
    if (!user) throw new ApiError(400, ERROR_MESSAGES.DEFAULT());
    const { id, name, email, role, profile_image_url, bio, gender, date_of_birth } = user;
    return { id, name, email, role, profile_image_url, bio, gender, date_of_birth };
  });

  app.post(`${P}/update/timezone`, { ...body, config: { auth: 'any' }, schema: { body: UpdateTimezoneForm } }, async (request) => {
    const me = currentUser(request);
    await svc.users.setJson(me.id, 'info', { ...(me.info ?? {}), timezone: request.body.timezone });
    return { status: true };
  });

  app.post(`${P}/update/password`, { ...body, config: { auth: 'any' }, schema: { body: UpdatePasswordForm } }, async (request, reply) => {
    const me = currentUser(request);
    await svc.changeOwnPassword(me, request.body.password, request.body.new_password);
    // Every older token (this one included) is now void; the browser session continues on a fresh cookie.
    const { token, claims } = await svc.issueToken(me.id);
    setTokenCookie(reply, auth.cookie, token, claims.exp);
    return true;
  });

  app.post(`${P}/add`, { ...body, config: { auth: 'admin' }, schema: { body: AddUserForm } }, async (request) => {
    const user = await svc.add(request.body);
    // Like the original, the token handed to the admin for the new account does not expire.
    const { token } = await svc.issueToken(user.id, null);
    const { id, email, name, role, profile_image_url } = user;
    return { token, token_type: 'Bearer' as const, id, email, name, role, profile_image_url };
  });

  app.get(`${P}/admin/details`, { config: { auth: 'any' } }, async () => {
    if (!ctx.settings.get('SHOW_ADMIN_DETAILS')) throw new ApiError(400, ERROR_MESSAGES.ACTION_PROHIBITED);
    const configured = ctx.settings.get('ADMIN_EMAIL');
    const admin = (configured && (await svc.users.findByEmail(configured))) || (await svc.users.findFirst());
    return admin ? { name: admin.name, email: admin.email } : { name: '', email: '' };
  });

  app.post(`${P}/api_key`, { config: { auth: 'any' } }, async (request) => ({ api_key: await svc.createApiKey(currentUser(request)) }));

  app.get(`${P}/api_key`, { config: { auth: 'any' } }, async (request) => {
    const me = currentUser(request);
    if (!me.api_key) throw new ApiError(404, ERROR_MESSAGES.API_KEY_NOT_FOUND);
    return { api_key: me.api_key };
  });

  app.delete(`${P}/api_key`, { config: { auth: 'any' } }, async (request) => {
    const updated = await svc.users.update(currentUser(request).id, { api_key: null });
    return Boolean(updated);
  });

  await adminConfigRoutes(root, ctx);
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name.toLowerCase()];
  const s = Array.isArray(v) ? v[0] : v;
  return s && s.trim() ? s.trim() : undefined;
}


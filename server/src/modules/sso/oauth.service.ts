import { randomBytes } from 'node:crypto';
import type { UserModel } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { AuthsService } from '../auths/auths.service.js';
import { claimList, claimString, determineRole } from './claims.js';
import { syncUserGroups } from './group-sync.js';
import { OAuthClient, OAuthFlowError, type ProviderTokens } from './oauth.client.js';
import { configuredProviders, type OAuthProvider } from './oauth.providers.js';
import { SsoRepository } from './sso.repository.js';

/**
 * From a verified IdP answer to one of our accounts, with the original's rules (handle_callback):
 * find by "<provider>@<sub>", else merge by email when OAUTH_MERGE_ACCOUNTS_BY_EMAIL, else create when
 * ENABLE_OAUTH_SIGNUP; roles from the roles claim when ENABLE_OAUTH_ROLE_MANAGEMENT; groups from the
 * groups claim when ENABLE_OAUTH_GROUP_MANAGEMENT (non-admins only).
 */
export class OAuthService {
  readonly providers: Map<string, OAuthProvider>;
  readonly client: OAuthClient;
  readonly repo: SsoRepository;
  readonly auths: AuthsService;

  constructor(private readonly ctx: AppContext) {
    this.providers = configuredProviders(ctx.config);
    this.client = new OAuthClient(ctx.config.sso.oauth.timeoutSeconds);
    this.repo = new SsoRepository(ctx.db, ctx.config.sso.oauth.sessionTokenKey || ctx.secretKey);
    this.auths = new AuthsService(ctx);
  }

  /** The claims we go by: the ID token's when it names email and username, else the userinfo answer. */
  async userData(p: OAuthProvider, tokens: ProviderTokens): Promise<Record<string, unknown>> {
    const o = this.ctx.config.sso.oauth;
    const id = tokens.idClaims;
    if (id && Object.hasOwn(id, o.emailClaim) && Object.hasOwn(id, o.usernameClaim)) return id;
    const info = await this.client.userinfo(p, tokens);
    if (!info || typeof info !== 'object') throw new OAuthFlowError('invalid', 'The identity provider sent no user information.');
    return info;
  }

  async signIn(p: OAuthProvider, tokens: ProviderTokens, data: Record<string, unknown>): Promise<UserModel> {
    const o = this.ctx.config.sso.oauth;
    const sub = claimString(data, p.subClaim);
    if (!sub) throw new ApiError(400, `The identity provider did not send the account identifier (claim '${p.subClaim}').`);
    const providerSub = `${p.id}@${sub}`;

    let email = claimString(data, o.emailClaim);
    if (!email && p.id === 'github') email = (await this.client.githubPrimaryEmail(p, tokens)) ?? '';
    if (!email && o.enableEmailFallback) email = `${providerSub}.local`;
    if (!email) throw new ApiError(400, `The identity provider did not send an email address (claim '${o.emailClaim}').`);
    email = email.toLowerCase();
    if (!o.allowedDomains.includes('*') && !o.allowedDomains.includes(email.split('@').pop()!)) {
      throw new ApiError(400, 'Accounts of this email domain may not sign in here (OAUTH_ALLOWED_DOMAINS).');
    }

    const users = this.auths.users;
    let user = await this.repo.findByOauthSub(providerSub);
    if (!user && o.mergeAccountsByEmail) {
      user = await users.findByEmail(email);
      if (user) await this.repo.setOauthSub(user.id, providerSub);
    }

    const rules = {
      enableRoleManagement: o.enableRoleManagement,
      rolesClaim: o.rolesClaim,
      allowedRoles: o.allowedRoles,
      adminRoles: o.adminRoles,
      defaultRole: this.ctx.settings.get('DEFAULT_USER_ROLE'),
    };
    if (user) {
      const role = determineRole(user, await users.count(), data, rules);
      const picture = o.updatePictureOnLogin ? pictureOf(data, o.pictureClaim) : null;
      const patch = {
        ...(role !== user.role ? { role } : {}),
        ...(picture && picture !== user.profile_image_url ? { profile_image_url: picture } : {}),
        last_active_at: Math.floor(Date.now() / 1000),
      };
      user = (await users.update(user.id, patch)) ?? user;
    } else {
      if (!o.enableSignup) throw new ApiError(403, ERROR_MESSAGES.ACCESS_PROHIBITED);
      if (await users.findByEmail(email)) throw new ApiError(400, ERROR_MESSAGES.EMAIL_TAKEN);
      const role = determineRole(null, await users.count(), data, rules);
      const name = claimString(data, o.usernameClaim) || email;
      const created = await this.auths.createAccount(
        // The password is random and never told to anyone: this account signs in through its IdP.
        { name: name.slice(0, 255), email, password: randomBytes(24).toString('hex'), role, profile_image_url: pictureOf(data, o.pictureClaim) ?? '/user.png' },
        { checkPassword: false },
      );
      await this.repo.setOauthSub(created.id, providerSub);
      user = created;
    }

    if (o.enableGroupManagement && user.role !== 'admin') {
      await syncUserGroups(this.ctx, user.id, claimList(data, o.groupsClaim), { create: o.enableGroupCreation, blocked: o.blockedGroups, source: 'oauth' });
    }
    return user;
  }

  /** Where the browser goes to end the IdP session too, or null when the provider has no such endpoint. */
  async providerSignoutUrl(sessionId: string | undefined): Promise<string | null> {
    if (!sessionId || sessionId.length > 100) return null;
    const session = await this.repo.findSession(sessionId);
    await this.repo.deleteSession(sessionId);
    const p = session && this.providers.get(session.provider);
    if (!session || !p || p.endpoints) return null;
    const idToken = typeof session.token.id_token === 'string' ? session.token.id_token : null;
    return this.client.endSessionUrl(p, idToken, this.ctx.config.auth.signoutRedirectUrl);
  }
}

// Only a web or data URL becomes the avatar; the original downloads it, we let the browser load it.
function pictureOf(data: Record<string, unknown>, claim: string): string | null {
  const v = claimString(data, claim);
  return /^https:\/\//i.test(v) && v.length <= 2048 ? v : null;
}

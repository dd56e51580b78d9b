import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { ldapRoutes } from './ldap.routes.js';
import { oauthRoutes } from './oauth.routes.js';

/** Single sign-on: OAuth/OIDC sign-in and LDAP. */
export async function ssoRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await oauthRoutes(app, ctx);
  await ldapRoutes(app, ctx);
}

import type { FastifyInstance } from 'fastify';
import { LdapConfigForm, LdapForm, LdapServerConfig } from '@owui/contracts';
import type { PersistentValues } from '../../config/persistent-keys.js';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import type { ZodTypeProvider } from '../../plugins/zod.js';
import { AUTH_BODY_LIMIT } from '../auths/auths.routes.js';
import { setTokenCookie } from '../auths/cookies.js';
import { LdapService } from './ldap.service.js';

const REQUIRED = ['label', 'host', 'attribute_for_mail', 'attribute_for_username', 'app_dn', 'app_dn_password', 'search_base'] as const;

/** `POST /api/v1/auths/ldap` and the admin's LDAP settings, in the original's shapes. */
export async function ldapRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = new LdapService(ctx);
  const s = ctx.settings;

  app.post('/api/v1/auths/ldap', { bodyLimit: AUTH_BODY_LIMIT, config: { auth: 'public' }, schema: { body: LdapForm } }, async (request, reply) => {
    const user = await svc.signIn(request.body.user, request.body.password, request.ip);
    const { token, claims } = await svc.auths.issueToken(user.id);
    setTokenCookie(reply, ctx.config.auth.cookie, token, claims.exp);
    return svc.auths.session(user, token, claims.exp ?? null);
  });

  const server = () => ({
    label: s.get('LDAP_SERVER_LABEL'),
    host: s.get('LDAP_SERVER_HOST'),
    port: s.get('LDAP_SERVER_PORT'),
    attribute_for_mail: s.get('LDAP_ATTRIBUTE_FOR_MAIL'),
    attribute_for_username: s.get('LDAP_ATTRIBUTE_FOR_USERNAME'),
    app_dn: s.get('LDAP_APP_DN'),
    app_dn_password: s.get('LDAP_APP_PASSWORD'),
    search_base: s.get('LDAP_SEARCH_BASE'),
    search_filters: s.get('LDAP_SEARCH_FILTERS'),
    use_tls: s.get('LDAP_USE_TLS'),
    certificate_path: s.get('LDAP_CA_CERT_FILE'),
    validate_cert: s.get('LDAP_VALIDATE_CERT'),
    ciphers: s.get('LDAP_CIPHERS'),
  });

  app.get('/api/v1/auths/admin/config/ldap/server', { config: { auth: 'admin' } }, async () => server());

  app.post('/api/v1/auths/admin/config/ldap/server', { bodyLimit: AUTH_BODY_LIMIT, config: { auth: 'admin' }, schema: { body: LdapServerConfig } }, async (request) => {
    const b = request.body;
    for (const key of REQUIRED) if (!b[key]) throw new ApiError(400, `Required field ${key} is empty`);
    const next: Partial<PersistentValues> = {
      LDAP_SERVER_LABEL: b.label,
      LDAP_SERVER_HOST: b.host,
      LDAP_SERVER_PORT: b.port ?? null,
      LDAP_ATTRIBUTE_FOR_MAIL: b.attribute_for_mail,
      LDAP_ATTRIBUTE_FOR_USERNAME: b.attribute_for_username,
      LDAP_APP_DN: b.app_dn,
      LDAP_APP_PASSWORD: b.app_dn_password,
      LDAP_SEARCH_BASE: b.search_base,
      LDAP_SEARCH_FILTERS: b.search_filters,
      LDAP_USE_TLS: b.use_tls,
      LDAP_CA_CERT_FILE: b.certificate_path ?? null,
      LDAP_VALIDATE_CERT: b.validate_cert,
      LDAP_CIPHERS: b.ciphers ?? null,
    };
    await s.set(next);
    return server();
  });

  app.get('/api/v1/auths/admin/config/ldap', { config: { auth: 'admin' } }, async () => ({ ENABLE_LDAP: s.get('ENABLE_LDAP') }));

  app.post('/api/v1/auths/admin/config/ldap', { bodyLimit: AUTH_BODY_LIMIT, config: { auth: 'admin' }, schema: { body: LdapConfigForm } }, async (request) => {
    await s.set({ ENABLE_LDAP: Boolean(request.body.enable_ldap) });
    return { ENABLE_LDAP: s.get('ENABLE_LDAP') };
  });
}

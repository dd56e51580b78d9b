import { z } from 'zod';
import { lazy } from './lazy.ts';
import { SafeText } from './users.ts';

/** `POST /api/v1/auths/ldap`: directory user name (the LDAP_ATTRIBUTE_FOR_USERNAME value) and password. */
export const LdapForm = lazy(() => z.object({ user: SafeText(255), password: z.string().max(1024) }));
export type LdapForm = z.infer<typeof LdapForm>;

/** `GET|POST /api/v1/auths/admin/config/ldap/server`, the original's LdapServerConfig. */
export const LdapServerConfig = lazy(() => z.object({
  label: SafeText(255),
  host: SafeText(1024),
  port: z.number().int().min(1).max(65535).nullable().optional(),
  attribute_for_mail: SafeText(255).default('mail'),
  attribute_for_username: SafeText(255).default('uid'),
  app_dn: SafeText(1024),
  app_dn_password: z.string().max(1024),
  search_base: SafeText(1024),
  search_filters: SafeText(4096).default(''),
  use_tls: z.boolean().default(true),
  certificate_path: SafeText(4096).nullable().optional(),
  validate_cert: z.boolean().default(true),
  ciphers: SafeText(4096).nullable().optional(),
}));
export type LdapServerConfig = z.infer<typeof LdapServerConfig>;

/** `POST /api/v1/auths/admin/config/ldap`. */
export const LdapConfigForm = lazy(() => z.object({ enable_ldap: z.boolean().nullable().optional() }));
export const LdapConfigResponse = lazy(() => z.object({ ENABLE_LDAP: z.boolean() }));
export type LdapConfigResponse = z.infer<typeof LdapConfigResponse>;

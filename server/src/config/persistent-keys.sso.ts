import { z } from 'zod';
import type { Config } from './env.js';

/**
 * LDAP settings an admin edits under Admin > Settings > Authentication, with the original's env names
 * and stored paths (config.py), so a config exported from Open WebUI imports here. Spread into
 * PERSISTENT_KEYS.
 */
export const SSO_PERSISTENT_KEYS = {
  ENABLE_LDAP: { path: 'ldap.enable', schema: z.boolean(), seed: (c: Config) => c.sso.ldap.enable },
  LDAP_SERVER_LABEL: { path: 'ldap.server.label', schema: z.string(), seed: (c: Config) => c.sso.ldap.label },
  LDAP_SERVER_HOST: { path: 'ldap.server.host', schema: z.string(), seed: (c: Config) => c.sso.ldap.host },
  LDAP_SERVER_PORT: { path: 'ldap.server.port', schema: z.number().int().min(1).max(65535).nullable(), seed: (c: Config) => c.sso.ldap.port },
  LDAP_ATTRIBUTE_FOR_MAIL: { path: 'ldap.server.attribute_for_mail', schema: z.string(), seed: (c: Config) => c.sso.ldap.attributeForMail },
  LDAP_ATTRIBUTE_FOR_USERNAME: { path: 'ldap.server.attribute_for_username', schema: z.string(), seed: (c: Config) => c.sso.ldap.attributeForUsername },
  LDAP_APP_DN: { path: 'ldap.server.app_dn', schema: z.string(), seed: (c: Config) => c.sso.ldap.appDn },
  LDAP_APP_PASSWORD: { path: 'ldap.server.app_password', schema: z.string(), seed: (c: Config) => c.sso.ldap.appPassword },
  LDAP_SEARCH_BASE: { path: 'ldap.server.users_dn', schema: z.string(), seed: (c: Config) => c.sso.ldap.searchBase },
  LDAP_SEARCH_FILTERS: { path: 'ldap.server.search_filter', schema: z.string(), seed: (c: Config) => c.sso.ldap.searchFilters },
  LDAP_USE_TLS: { path: 'ldap.server.use_tls', schema: z.boolean(), seed: (c: Config) => c.sso.ldap.useTls },
  LDAP_CA_CERT_FILE: { path: 'ldap.server.ca_cert_file', schema: z.string().nullable(), seed: (c: Config) => c.sso.ldap.caCertFile as string | null },
  LDAP_VALIDATE_CERT: { path: 'ldap.server.validate_cert', schema: z.boolean(), seed: (c: Config) => c.sso.ldap.validateCert },
  LDAP_CIPHERS: { path: 'ldap.server.ciphers', schema: z.string().nullable(), seed: (c: Config) => c.sso.ldap.ciphers as string | null },
  ENABLE_LDAP_GROUP_MANAGEMENT: { path: 'ldap.group.enable_management', schema: z.boolean(), seed: (c: Config) => c.sso.ldap.enableGroupManagement },
  ENABLE_LDAP_GROUP_CREATION: { path: 'ldap.group.enable_creation', schema: z.boolean(), seed: (c: Config) => c.sso.ldap.enableGroupCreation },
  LDAP_ATTRIBUTE_FOR_GROUPS: { path: 'ldap.server.attribute_for_groups', schema: z.string(), seed: (c: Config) => c.sso.ldap.attributeForGroups },
} as const;

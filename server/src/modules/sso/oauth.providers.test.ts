import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env.js';
import { advertisedProviders, configuredProviders } from './oauth.providers.js';

const providers = (env: Record<string, string>) => configuredProviders(loadConfig({ WEBUI_SECRET_KEY: 'x', ...env }));

describe('configured OAuth providers (the original load_oauth_providers conditions)', () => {
  it('has none by default', () => {
    expect(advertisedProviders(providers({}))).toEqual({});
  });

  it('google needs id and secret; discovery at accounts.google.com', () => {
    expect(providers({ GOOGLE_CLIENT_ID: 'g' }).has('google')).toBe(false);
    const g = providers({ GOOGLE_CLIENT_ID: 'g', GOOGLE_CLIENT_SECRET: 's', GOOGLE_REDIRECT_URI: 'https://chat.example/oauth/google/callback' }).get('google')!;
    expect(g).toMatchObject({ discoveryUrl: 'https://accounts.google.com/.well-known/openid-configuration', scope: 'openid email profile', subClaim: 'sub', redirectUri: 'https://chat.example/oauth/google/callback' });
  });

  it('microsoft needs a tenant; discovery per tenant with appid', () => {
    expect(providers({ MICROSOFT_CLIENT_ID: 'm', MICROSOFT_CLIENT_SECRET: 's' }).has('microsoft')).toBe(false);
    const m = providers({ MICROSOFT_CLIENT_ID: 'm', MICROSOFT_CLIENT_SECRET: 's', MICROSOFT_CLIENT_TENANT_ID: 'contoso' }).get('microsoft')!;
    expect(m.discoveryUrl).toBe('https://login.microsoftonline.com/contoso/v2.0/.well-known/openid-configuration?appid=m');
  });

  it('github: static endpoints, numeric id as subject, user:email scope', () => {
    const gh = providers({ GITHUB_CLIENT_ID: 'h', GITHUB_CLIENT_SECRET: 's' }).get('github')!;
    expect(gh).toMatchObject({ subClaim: 'id', scope: 'user:email', endpoints: { token: 'https://github.com/login/oauth/access_token', userinfo: 'https://api.github.com/user' } });
  });

  it('oidc needs id, provider URL and a secret or S256; its name is OAUTH_PROVIDER_NAME', () => {
    expect(providers({ OAUTH_CLIENT_ID: 'o', OPENID_PROVIDER_URL: 'https://idp/.well-known/openid-configuration' }).has('oidc')).toBe(false);
    const pub = providers({ OAUTH_CLIENT_ID: 'o', OPENID_PROVIDER_URL: 'https://idp', OAUTH_CODE_CHALLENGE_METHOD: 'S256' }).get('oidc')!;
    expect(pub.tokenEndpointAuthMethod).toBe('none');
    const all = providers({ OAUTH_CLIENT_ID: 'o', OAUTH_CLIENT_SECRET: 's', OPENID_PROVIDER_URL: 'https://idp', OAUTH_PROVIDER_NAME: 'Keycloak', GOOGLE_CLIENT_ID: 'g', GOOGLE_CLIENT_SECRET: 's' });
    expect(advertisedProviders(all)).toEqual({ google: 'google', oidc: 'Keycloak' });
    expect(() => providers({ OAUTH_CODE_CHALLENGE_METHOD: 'plain' })).toThrow(/OAUTH_CODE_CHALLENGE_METHOD/);
    expect(() => providers({ OAUTH_BLOCKED_GROUPS: 'staff' })).toThrow(/OAUTH_BLOCKED_GROUPS/);
  });
});

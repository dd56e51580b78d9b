import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { VERSION } from '../../version.js';
import { UsersRepository } from '../users/users.repository.js';
import type { SessionAuthenticator } from '../auths/session.js';
import { tokenFromRequest } from '../auths/session.js';
import { advertisedProviders, configuredProviders } from '../sso/oauth.providers.js';

/**
 * `/api/config` (what the UI needs before and after sign-in; section 8 of the reference) and the PWA
 * manifest. The token is optional here: one that does not verify is treated as anonymous.
 */
export async function appConfigRoutes(app: FastifyInstance, ctx: AppContext, auth: SessionAuthenticator) {
  const users = new UsersRepository(ctx.db);
  const s = ctx.settings;
  const oauthProviders = advertisedProviders(configuredProviders(ctx.config));

  app.get('/api/config', { config: { auth: 'public' } }, async (request) => {
    const token = tokenFromRequest(request);
    const user = token && !token.startsWith('sk-') ? await auth.userFromJwt(token) : token ? await auth.authenticate(request).then((r) => r.user, () => null) : null;
    // Every page load asks for this: the objects are built field by field (a chain of spreads into one
    // literal took V8's slow property-copy path for each of them).
    const features: Record<string, unknown> = {
      auth: ctx.config.auth.enabled,
      auth_trusted_header: Boolean(ctx.config.auth.trustedEmailHeader),
      enable_signup_password_confirmation: ctx.config.auth.enableSignupPasswordConfirmation,
      enable_ldap: s.get('ENABLE_LDAP'),
      enable_api_keys: s.get('ENABLE_API_KEYS'),
      enable_signup: s.get('ENABLE_SIGNUP'),
      enable_login_form: s.get('ENABLE_LOGIN_FORM'),
      enable_websocket: ctx.config.websocket.enabled,
      enable_version_update_check: false,
      enable_public_active_users_count: true,
      enable_easter_eggs: false,
    };
    const base: Record<string, unknown> = {
      status: true,
      name: ctx.config.webui.name,
      version: VERSION,
      default_locale: s.get('DEFAULT_LOCALE'),
      oauth: { providers: oauthProviders },
      features,
    };
    if (!user) {
      if ((await users.sharedCount()) === 0) base.onboarding = true;
      return base;
    }
    for (const [k, v] of SIGNED_IN_FEATURES) features[k] = v;
    const ui: Record<string, unknown> = {
      pending_user_overlay_title: s.get('PENDING_USER_OVERLAY_TITLE'),
      pending_user_overlay_content: s.get('PENDING_USER_OVERLAY_CONTENT'),
    };
    if (user.role === 'pending') {
      base.ui = ui;
      return base;
    }
    features.enable_image_generation = s.get('ENABLE_IMAGE_GENERATION');
    features.enable_web_search = s.get('ENABLE_WEB_SEARCH');
    base.default_models = s.get('DEFAULT_MODELS') ?? '';
    base.default_pinned_models = s.get('DEFAULT_PINNED_MODELS') ?? '';
    base.default_prompt_suggestions = s.get('DEFAULT_PROMPT_SUGGESTIONS');
    base.user_count = await users.sharedCount();
    base.code = { engine: 'pyodide' };
    // Audio (issue 20): what the UI needs to offer dictation and read-aloud.
    base.audio = {
      tts: { engine: s.get('AUDIO_TTS_ENGINE'), voice: s.get('AUDIO_TTS_VOICE'), split_on: s.get('AUDIO_TTS_SPLIT_ON') },
      stt: { engine: s.get('AUDIO_STT_ENGINE') },
    };
    base.file = { max_size: null, max_count: null, image_compression: { width: null, height: null } };
    base.permissions = s.get('USER_PERMISSIONS');
    ui.response_watermark = '';
    base.ui = ui;
    base.license_metadata = null;
    return base;
  });

  app.get('/manifest.json', { config: { auth: 'public' } }, async () => ({
    name: ctx.config.webui.name,
    short_name: ctx.config.webui.name,
    description: `${ctx.config.webui.name} is an open, extensible, user-friendly interface for AI that adapts to your workflow.`,
    start_url: '/',
    display: 'standalone',
    background_color: '#343541',
    icons: [
      { src: '/static/logo.png', type: 'image/png', sizes: '500x500', purpose: 'any' },
      { src: '/static/logo.png', type: 'image/png', sizes: '500x500', purpose: 'maskable' },
    ],
    share_target: { action: '/', method: 'GET', params: { text: 'shared' } },
  }));
}

// Features this build implements or deliberately reports off, so the UI hides what is not there.
const SIGNED_IN_FEATURES: ReadonlyArray<[string, unknown]> = Object.entries({
  enable_direct_connections: false,
  enable_folders: true,
  folder_max_file_count: null,
  enable_channels: false,
  enable_notes: false,
  enable_web_search: false,
  enable_code_execution: false,
  enable_code_interpreter: false,
  enable_image_generation: false,
  enable_autocomplete_generation: false,
  enable_community_sharing: false,
  enable_message_rating: true,
  enable_user_webhooks: false,
  enable_user_status: false,
  enable_admin_export: true,
  enable_admin_chat_access: true,
  enable_google_drive_integration: false,
  enable_onedrive_integration: false,
  enable_memories: true,
});

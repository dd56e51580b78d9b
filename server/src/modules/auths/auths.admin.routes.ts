import type { FastifyInstance } from 'fastify';
import { AdminConfig } from '@owui/contracts';
import { USER_ROLES } from '../../config/env.js';
import type { PersistentValues } from '../../config/persistent-keys.js';
import type { AppContext } from '../../context.js';
import type { ZodTypeProvider } from '../../plugins/zod.js';

const JWT_EXPIRY = /^(-1|0|(\d+(ms|s|m|h|d|w))+)$/;

/** `/api/v1/auths/admin/config`: the authentication part of the admin settings. */
export async function adminConfigRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const s = ctx.settings;

  const current = (): AdminConfig => ({
    SHOW_ADMIN_DETAILS: s.get('SHOW_ADMIN_DETAILS'),
    ADMIN_EMAIL: s.get('ADMIN_EMAIL') || null,
    WEBUI_URL: s.get('WEBUI_URL'),
    ENABLE_SIGNUP: s.get('ENABLE_SIGNUP'),
    ENABLE_API_KEYS: s.get('ENABLE_API_KEYS'),
    ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS: s.get('ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS'),
    API_KEYS_ALLOWED_ENDPOINTS: s.get('API_KEYS_ALLOWED_ENDPOINTS'),
    DEFAULT_USER_ROLE: s.get('DEFAULT_USER_ROLE'),
    DEFAULT_GROUP_ID: s.get('DEFAULT_GROUP_ID'),
    JWT_EXPIRES_IN: s.get('JWT_EXPIRES_IN'),
    // Features this build does not have are reported off (as /api/config does), and saving them is a no-op.
    ENABLE_COMMUNITY_SHARING: false,
    ENABLE_MESSAGE_RATING: false,
    ENABLE_FOLDERS: false,
    FOLDER_MAX_FILE_COUNT: null,
    ENABLE_CHANNELS: false,
    ENABLE_MEMORIES: false,
    ENABLE_NOTES: false,
    ENABLE_USER_WEBHOOKS: false,
    ENABLE_USER_STATUS: false,
    PENDING_USER_OVERLAY_TITLE: s.get('PENDING_USER_OVERLAY_TITLE'),
    PENDING_USER_OVERLAY_CONTENT: s.get('PENDING_USER_OVERLAY_CONTENT'),
    RESPONSE_WATERMARK: '',
  });

  app.get('/api/v1/auths/admin/config', { config: { auth: 'admin' } }, async () => current());

  app.post('/api/v1/auths/admin/config', { bodyLimit: 1024 * 1024, config: { auth: 'admin' }, schema: { body: AdminConfig } }, async (request) => {
    const b = request.body;
    const next: Partial<PersistentValues> = {
      SHOW_ADMIN_DETAILS: b.SHOW_ADMIN_DETAILS,
      WEBUI_URL: b.WEBUI_URL,
      ENABLE_SIGNUP: ctx.config.auth.enabled ? b.ENABLE_SIGNUP : false,
      ENABLE_API_KEYS: b.ENABLE_API_KEYS,
      ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS: b.ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS,
      API_KEYS_ALLOWED_ENDPOINTS: b.API_KEYS_ALLOWED_ENDPOINTS,
    };
    if (b.DEFAULT_GROUP_ID != null) next.DEFAULT_GROUP_ID = b.DEFAULT_GROUP_ID;
    if (b.ADMIN_EMAIL !== undefined) next.ADMIN_EMAIL = b.ADMIN_EMAIL ?? '';
    if (b.PENDING_USER_OVERLAY_TITLE != null) next.PENDING_USER_OVERLAY_TITLE = b.PENDING_USER_OVERLAY_TITLE;
    if (b.PENDING_USER_OVERLAY_CONTENT != null) next.PENDING_USER_OVERLAY_CONTENT = b.PENDING_USER_OVERLAY_CONTENT;
    // Like the original, an unknown role or a malformed expiry is ignored rather than refused.
    if ((USER_ROLES as readonly string[]).includes(b.DEFAULT_USER_ROLE)) next.DEFAULT_USER_ROLE = b.DEFAULT_USER_ROLE as PersistentValues['DEFAULT_USER_ROLE'];
    if (JWT_EXPIRY.test(b.JWT_EXPIRES_IN)) next.JWT_EXPIRES_IN = b.JWT_EXPIRES_IN;
    await s.set(next);
    return current();
  });
}

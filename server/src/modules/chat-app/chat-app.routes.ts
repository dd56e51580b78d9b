import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ConnectionsConfigForm, SetBannersForm, SetDefaultSuggestionsForm, UrlForm } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { currentUser } from '../../plugins/auth-guard.js';
import { VERSION } from '../../version.js';

const CompletedBody = z.looseObject({ model: z.string().max(500).optional(), messages: z.array(z.unknown()).max(10_000).optional() });

/**
 * The small app-level endpoints the original's UI calls at start-up and after every reply:
 * banners, the connections flags, the admin webhook, usage, the (not built) channels list and
 * `POST /api/chat/completed`. Each answers in the original's shape, so its frontend runs against us.
 */
export async function chatAppRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const s = ctx.settings;
  const verified = { config: { auth: 'verified' as const } };
  const admin = { config: { auth: 'admin' as const } };

  app.get('/api/v1/configs/banners', verified, async () => s.get('WEBUI_BANNERS'));
  app.post('/api/v1/configs/banners', { ...admin, schema: { body: SetBannersForm } }, async (request) => {
    await s.set({ WEBUI_BANNERS: (request.body as z.infer<typeof SetBannersForm>).banners });
    return s.get('WEBUI_BANNERS');
  });

  app.post('/api/v1/configs/suggestions', { ...admin, schema: { body: SetDefaultSuggestionsForm } }, async (request) => {
    await s.set({ DEFAULT_PROMPT_SUGGESTIONS: (request.body as z.infer<typeof SetDefaultSuggestionsForm>).suggestions });
    return s.get('DEFAULT_PROMPT_SUGGESTIONS');
  });

  const connections = () => ({ ENABLE_DIRECT_CONNECTIONS: s.get('ENABLE_DIRECT_CONNECTIONS'), ENABLE_BASE_MODELS_CACHE: s.get('ENABLE_BASE_MODELS_CACHE') });
  app.get('/api/v1/configs/connections', admin, async () => connections());
  app.post('/api/v1/configs/connections', { ...admin, schema: { body: ConnectionsConfigForm } }, async (request) => {
    const body = request.body as z.infer<typeof ConnectionsConfigForm>;
    await s.set({ ENABLE_DIRECT_CONNECTIONS: body.ENABLE_DIRECT_CONNECTIONS, ENABLE_BASE_MODELS_CACHE: body.ENABLE_BASE_MODELS_CACHE });
    return connections();
  });

  app.get('/api/webhook', admin, async () => ({ url: s.get('WEBHOOK_URL') }));
  app.post('/api/webhook', { ...admin, schema: { body: UrlForm } }, async (request) => {
    const url = (request.body as { url: string }).url.trim();
    // Stored only; nothing is sent to it by this build (no sign-up notifications yet). Still refuse a
    // value that is not an http(s) URL so a typo is caught when it is saved, not when it is first used.
    if (url && !/^https?:\/\/[^\s/]+/i.test(url)) throw new ApiError(400, ERROR_MESSAGES.INVALID_URL);
    await s.set({ WEBHOOK_URL: url });
    return { url: s.get('WEBHOOK_URL') };
  });

  app.get('/api/usage', verified, async (request) => {
    if (currentUser(request).role !== 'admin' && !ctx.config.chatApp.enablePublicActiveUsersCount) {
      throw new ApiError(403, 'Access denied. Only administrators can view usage statistics.');
    }
    const usage = await app.realtime.usage();
    return { model_ids: usage.modelIds, user_ids: usage.userIds, user_count: usage.userIds.length };
  });

  // No update check leaves this machine (only loopback and the npm registry are allowed): latest = current.
  app.get('/api/version/updates', verified, async () => ({ current: VERSION, latest: VERSION }));
  // The original serves its CHANGELOG.md here; this build has none to show, so the "what's new" dialog stays shut.
  app.get('/api/changelog', { config: { auth: 'public' } }, async () => ({}));

  // Channels are not built: the list is empty, so the original's sidebar renders without them.
  app.get('/api/v1/channels/', verified, async () => []);

  // No outlet filters exist here, so the completed body comes back as sent (minus the routing hint).
  for (const url of ['/api/chat/completed', '/api/v1/chat/completed']) {
    app.post(url, { ...verified, schema: { body: CompletedBody } }, async (request) => {
      const { model_item: _modelItem, ...body } = request.body as Record<string, unknown>;
      return body;
    });
  }
}

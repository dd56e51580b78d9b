import type { FastifyInstance, FastifyReply } from 'fastify';
import { ModelForm, ModelIdQuery, ModelsImportForm, ModelsSyncForm } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { currentUser } from '../../plugins/auth-guard.js';
import type { ZodTypeProvider } from '../../plugins/zod.js';
import { ModelRecordsService } from './model-records.service.js';

const P = '/api/v1/models';
// A preset's profile image may be a data URL of a few megabytes.
const BODY_LIMIT = 16 * 1024 * 1024;
const PLACEHOLDER_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><circle cx="32" cy="32" r="32" fill="#9ca3af"/><circle cx="32" cy="26" r="11" fill="#f3f4f6"/><rect x="14" y="40" width="36" height="16" rx="8" fill="#f3f4f6"/></svg>';
const DATA_URL = /^data:(image\/[a-z0-9.+-]+);base64,(.*)$/is;

/** Answers a record's profile image: data URLs decoded, http(s) redirected, else a neutral placeholder. */
function sendImage(reply: FastifyReply, url: string | null | undefined) {
  const m = url ? DATA_URL.exec(url) : null;
  if (m) {
    const type = m[1]!.toLowerCase();
    // SVG can carry script; serve it as a download-safe type rather than render it inline.
    return reply
      .header('content-type', type === 'image/svg+xml' ? 'application/octet-stream' : type)
      .header('content-disposition', 'inline; filename=image')
      .header('cache-control', 'private, max-age=300')
      .send(Buffer.from(m[2]!, 'base64'));
  }
  if (url && /^https?:\/\//i.test(url)) return reply.redirect(url, 302);
  // No image of its own (or the original's "/static/favicon.png" default, which this build does not ship).
  return reply.header('content-type', 'image/svg+xml').header('cache-control', 'private, max-age=300').send(PLACEHOLDER_SVG);
}

/**
 * `/api/v1/models/*`: model records (Open WebUI's workspace models). The bare `/api/v1/models/` list
 * is dispatched from models.routes.ts (it shares the path with the OpenAI-style `/api/v1/models`).
 */
export async function modelRecordsRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = new ModelRecordsService(ctx);
  const verified = { auth: 'verified' } as const;
  const admin = { auth: 'admin' } as const;

  app.get(`${P}/base`, { config: admin }, async () => svc.base());

  app.post(`${P}/create`, { config: verified, bodyLimit: BODY_LIMIT, schema: { body: ModelForm } }, async (request) =>
    svc.create(currentUser(request), request.body),
  );

  app.get(`${P}/export`, { config: admin }, async () => svc.repo.all());

  app.post(`${P}/import`, { config: admin, bodyLimit: 64 * 1024 * 1024, schema: { body: ModelsImportForm } }, async (request) =>
    svc.import(currentUser(request), request.body.models),
  );

  app.post(`${P}/sync`, { config: admin, bodyLimit: 64 * 1024 * 1024, schema: { body: ModelsSyncForm } }, async (request) =>
    svc.sync(currentUser(request), request.body.models),
  );

  app.get(`${P}/model`, { config: verified, schema: { querystring: ModelIdQuery } }, async (request) => svc.get(currentUser(request), request.query.id));

  app.get(`${P}/model/profile/image`, { config: verified, schema: { querystring: ModelIdQuery } }, async (request, reply) => {
    let url: string | null | undefined;
    try {
      url = (await svc.get(currentUser(request), request.query.id)).meta.profile_image_url;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
    }
    return sendImage(reply, url);
  });

  app.post(`${P}/model/toggle`, { config: verified, schema: { querystring: ModelIdQuery } }, async (request) => svc.toggle(currentUser(request), request.query.id));

  app.post(`${P}/model/update`, { config: verified, bodyLimit: BODY_LIMIT, schema: { querystring: ModelIdQuery, body: ModelForm } }, async (request) =>
    svc.update(currentUser(request), request.query.id, request.body),
  );

  app.delete(`${P}/model/delete`, { config: verified, schema: { querystring: ModelIdQuery } }, async (request) => svc.delete(currentUser(request), request.query.id));

  app.delete(`${P}/delete/all`, { config: admin }, async () => {
    await svc.repo.deleteAll();
    return true;
  });
}

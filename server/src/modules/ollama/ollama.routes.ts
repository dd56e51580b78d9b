import type { FastifyInstance } from 'fastify';
import {
  OllamaChatForm,
  OllamaEmbeddingsForm,
  OllamaEmbedForm,
  OllamaGenerateForm,
  OllamaModelNameForm,
  OllamaOpenAIForm,
} from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { closeUpstreamsFor } from '../../llm/upstreams.js';
import { withTag } from './ollama.connections.js';
import { ollamaStyleErrors } from './ollama.errors.js';
import { ollamaAdminRoutes } from './ollama-admin.routes.js';
import { clientAbort } from '../../llm/client-abort.js';
import { call, dualRoute, ensureEnabled, modelOf, readJson, sendUpstream, urlIdxOf } from './ollama.proxy.js';
import { OllamaService } from './ollama.service.js';
import { authorizeModelUse, DENY_PROXY, visibleTo } from '../models/model-access.js';
import { applyPresetOllama, applyPresetOpenAI } from '../models/model-presets.js';
import type { UserModel } from '@owui/contracts';

/**
 * `/ollama/*`: an authenticated reverse proxy to one or many Ollama servers (reference §1.2, §6.4-6.6).
 * Lists and generation routes apply the workspace model access rule (models/model-access.ts); a
 * preset's base model, system prompt and params are applied before the body goes upstream.
 */
export async function ollamaRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const svc = OllamaService.for(ctx);
  // Workspace step: refuse a model the caller may not use (403 "Model not found"), then apply its preset.
  const authorized = async <B extends { model?: unknown }>(user: UserModel | null, body: B, apply: typeof applyPresetOllama): Promise<B> => {
    const id = String(body.model ?? '');
    const access = await authorizeModelUse(ctx, user!, id, DENY_PROXY);
    return apply(body as Record<string, unknown>, access.record(id), user) as B;
  };
  app.addHook('onClose', () => closeUpstreamsFor(ctx));

  await app.register(
    async (r) => {
      r.setErrorHandler(ollamaStyleErrors);
      r.get('/', { config: { auth: 'public' } }, async () => ({ status: true }));

      dualRoute(r, {
        method: 'GET',
        path: '/api/tags',
        auth: 'verified',
        handler: async (request) => {
          ensureEnabled(svc);
          const idx = urlIdxOf(request);
          if (idx === undefined) return { models: await visibleTo(ctx, request.user!, await svc.listModels(), (m) => m.model) };
          const conn = svc.connection(idx);
          const raw = (await readJson(await call(svc.send(conn, '/api/tags', { kind: 'list' }), 'sync'))) as { models?: { model?: string; name?: string }[] };
          if (!Array.isArray(raw?.models)) return raw;
          return { ...raw, models: await visibleTo(ctx, request.user!, raw.models, (m) => String(m.model ?? m.name)) };
        },
      });

      r.get('/api/ps', { config: { auth: 'admin' } }, async () => {
        ensureEnabled(svc);
        return { models: await svc.loadedModels() };
      });

      dualRoute(r, {
        method: 'GET',
        path: '/api/version',
        auth: 'public',
        handler: async (request) => {
          if (!svc.enabled()) return { version: false };
          const idx = urlIdxOf(request);
          if (idx !== undefined) return readJson(await call(svc.send(svc.connection(idx), '/api/version', { kind: 'list' }), 'sync'));
          const version = await svc.lowestVersion();
          if (version === null) throw new ApiError(500, ERROR_MESSAGES.OLLAMA_NOT_FOUND);
          return { version };
        },
      });

      r.post('/api/unload', { config: { auth: 'admin' }, schema: { body: OllamaModelNameForm } }, async (request) => {
        ensureEnabled(svc);
        const name = modelOf(request.body as OllamaModelNameForm);
        if (!name) throw new ApiError(400, 'Missing name of the model to unload.');
        const entry = await svc.resolveModel(name);
        if (!entry) throw new ApiError(400, ERROR_MESSAGES.MODEL_NOT_FOUND(withTag(name)));
        await svc.unload(entry);
        return { status: true };
      });

      r.post('/api/show', { config: { auth: 'verified' }, schema: { body: OllamaModelNameForm } }, async (request) => {
        const body = request.body as OllamaModelNameForm;
        const { conn, model } = await svc.route(modelOf(body), 'random');
        const { name: _n, ...rest } = body;
        return readJson(await call(svc.send(conn, '/api/show', { json: { ...rest, model }, kind: 'list', user: request.user }), 'sync'));
      });

      const syncByModel = (path: '/api/embed' | '/api/embeddings', schema: typeof OllamaEmbedForm | typeof OllamaEmbeddingsForm) =>
        dualRoute(r, {
          method: 'POST',
          path,
          auth: 'verified',
          body: schema,
          handler: async (request, reply) => {
            const body = request.body as { model: string };
            const signal = clientAbort(request, reply);
            const routed = await call(svc.forwardByModel(path, body, 'random', { urlIdx: urlIdxOf(request), signal, user: request.user }), 'sync');
            return readJson(routed.response);
          },
        });
      syncByModel('/api/embed', OllamaEmbedForm);
      syncByModel('/api/embeddings', OllamaEmbeddingsForm);

      dualRoute(r, {
        method: 'POST',
        path: '/api/generate',
        auth: 'verified',
        body: OllamaGenerateForm,
        handler: async (request, reply) => {
          const signal = clientAbort(request, reply);
          const body = await authorized(request.user, request.body as OllamaGenerateForm, applyPresetOllama);
          const routed = await call(svc.forwardByModel('/api/generate', body, 'random', { urlIdx: urlIdxOf(request), signal, user: request.user }), 'stream');
          return sendUpstream(reply, routed.response, request);
        },
      });

      dualRoute(r, {
        method: 'POST',
        path: '/api/chat',
        auth: 'verified',
        body: OllamaChatForm,
        handler: async (request, reply) => {
          const body = await authorized(request.user, request.body as OllamaChatForm, applyPresetOllama);
          const signal = clientAbort(request, reply);
          const routed = await call(svc.chat(body, { urlIdx: urlIdxOf(request), signal, user: request.user }), 'stream');
          return sendUpstream(reply, routed.response, request);
        },
      });

      for (const path of ['/v1/chat/completions', '/v1/completions'] as const) {
        dualRoute(r, {
          method: 'POST',
          path,
          auth: 'verified',
          body: OllamaOpenAIForm,
          handler: async (request, reply) => {
            const signal = clientAbort(request, reply);
            const body = await authorized(request.user, request.body as OllamaOpenAIForm, applyPresetOpenAI);
            const { metadata: _m, ...payload } = body as OllamaOpenAIForm & { metadata?: unknown };
            const routed = await call(svc.forwardByModel(path, payload, 'random', { urlIdx: urlIdxOf(request), signal, user: request.user }), 'stream');
            return sendUpstream(reply, routed.response, request);
          },
        });
      }

      dualRoute(r, {
        method: 'GET',
        path: '/v1/models',
        auth: 'verified',
        handler: async (request) => {
          ensureEnabled(svc);
          const idx = urlIdxOf(request);
          const created = Math.floor(Date.now() / 1000);
          let ids: string[];
          if (idx === undefined) ids = (await svc.listModels()).map((m) => m.model);
          else {
            const data = (await readJson(await call(svc.send(svc.connection(idx), '/api/tags', { kind: 'list' }), 'sync'))) as { models?: { model?: string; name?: string }[] };
            ids = (data?.models ?? []).map((m) => String(m.model ?? m.name));
          }
          ids = await visibleTo(ctx, request.user!, ids, (id) => id);
          return { data: ids.map((id) => ({ id, object: 'model', created, owned_by: 'openai' })), object: 'list' };
        },
      });

      await ollamaAdminRoutes(r, svc);
    },
    { prefix: '/ollama' },
  );
}

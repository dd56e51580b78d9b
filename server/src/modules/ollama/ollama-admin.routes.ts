import type { FastifyInstance } from 'fastify';
import { OllamaConfigForm, OllamaCopyForm, OllamaModelNameForm, OllamaVerifyForm, type OllamaConfig } from '@owui/contracts';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { UpstreamError, upstreamErrorMessage } from '../../llm/upstreams.js';
import { errorFromException } from './ollama.errors.js';
import { call, clientAbortSignal, dualRoute, ensureEnabled, modelOf, readJson, sendUpstream, urlIdxOf } from './ollama.proxy.js';
import type { OllamaService } from './ollama.service.js';

/** Admin-only Ollama routes: model management on the servers, connection settings, verify. */
export async function ollamaAdminRoutes(r: FastifyInstance, svc: OllamaService): Promise<void> {
  const settings = r.ctx.settings;
  const configPayload = (): OllamaConfig => ({
    ENABLE_OLLAMA_API: settings.get('ENABLE_OLLAMA_API'),
    OLLAMA_BASE_URLS: settings.get('OLLAMA_BASE_URLS'),
    OLLAMA_API_CONFIGS: settings.get('OLLAMA_API_CONFIGS'),
  });

  r.get('/config', { config: { auth: 'admin' } }, async () => configPayload());

  r.post('/config/update', { config: { auth: 'admin' }, schema: { body: OllamaConfigForm } }, async (request) => {
    const form = request.body as OllamaConfigForm;
    const urls = form.OLLAMA_BASE_URLS.map((u) => u.trim().replace(/\/+$/, ''));
    for (const u of urls) {
      if (!/^https?:\/\/[^\s/]+/i.test(u)) throw new ApiError(400, ERROR_MESSAGES.INVALID_URL);
    }
    // Settings of connections that no longer exist are dropped, like the original.
    const keep = new Set(urls.map((_, i) => String(i)));
    const configs = Object.fromEntries(Object.entries(form.OLLAMA_API_CONFIGS).filter(([k]) => keep.has(k)));
    await settings.set({
      ...(typeof form.ENABLE_OLLAMA_API === 'boolean' ? { ENABLE_OLLAMA_API: form.ENABLE_OLLAMA_API } : {}),
      OLLAMA_BASE_URLS: urls,
      OLLAMA_API_CONFIGS: configs,
    });
    svc.invalidate();
    return configPayload();
  });

  r.post('/verify', { config: { auth: 'admin' }, schema: { body: OllamaVerifyForm } }, async (request) => {
    const { url, key } = request.body as OllamaVerifyForm;
    const base = url.trim().replace(/\/+$/, '');
    try {
      const res = await svc.upstreams.request({ url: `${base}/api/version`, key: key ?? '', kind: 'list' });
      if (!res.ok) {
        const { message } = await upstreamErrorMessage(res);
        throw new ApiError(500, message ? `External Error: ${message}` : ERROR_MESSAGES.SERVER_CONNECTION_ERROR);
      }
      return await res.json();
    } catch (err) {
      if (err instanceof ApiError) throw err;
      if (err instanceof UpstreamError && err.isTimeout) throw errorFromException(err, 'sync');
      if (err instanceof UpstreamError) throw new ApiError(500, ERROR_MESSAGES.SERVER_CONNECTION_ERROR);
      throw new ApiError(500, `Unexpected error: ${err instanceof Error ? err.message : String(err)}`);
    }
  });

  /** pull / create go to index 0 unless pinned; the reply streams progress. */
  for (const path of ['/api/pull', '/api/create'] as const) {
    dualRoute(r, {
      method: 'POST',
      path,
      auth: 'admin',
      body: OllamaModelNameForm,
      handler: async (request, reply) => {
        ensureEnabled(svc);
        const conn = svc.connection(urlIdxOf(request) ?? 0);
        const body = request.body as OllamaModelNameForm;
        const json = path === '/api/pull' ? { ...body, insecure: true } : body;
        const signal = clientAbortSignal(request, reply);
        const res = await call(svc.send(conn, path, { json, signal, user: request.user }), 'stream');
        if (res.ok) svc.invalidate();
        return sendUpstream(reply, res, request);
      },
    });
  }

  // The original exposes push as DELETE; kept for client compatibility.
  dualRoute(r, {
    method: 'DELETE',
    path: '/api/push',
    auth: 'admin',
    body: OllamaModelNameForm,
    handler: async (request, reply) => {
      const body = request.body as OllamaModelNameForm;
      const { conn, model } = await svc.route(modelOf(body), 'first', urlIdxOf(request));
      const { name: _n, ...rest } = body;
      const signal = clientAbortSignal(request, reply);
      const res = await call(svc.send(conn, '/api/push', { method: 'POST', json: { ...rest, model }, signal, user: request.user }), 'stream');
      return sendUpstream(reply, res, request);
    },
  });

  dualRoute(r, {
    method: 'POST',
    path: '/api/copy',
    auth: 'admin',
    body: OllamaCopyForm,
    handler: async (request) => {
      const form = request.body as OllamaCopyForm;
      const { conn, model } = await svc.route(form.source, 'first', urlIdxOf(request));
      const destination = conn.prefixId && form.destination.startsWith(`${conn.prefixId}.`) ? form.destination.slice(conn.prefixId.length + 1) : form.destination;
      await readJson(await call(svc.send(conn, '/api/copy', { json: { source: model, destination }, user: request.user }), 'sync'));
      svc.invalidate();
      return true;
    },
  });

  dualRoute(r, {
    method: 'DELETE',
    path: '/api/delete',
    auth: 'admin',
    body: OllamaModelNameForm,
    handler: async (request) => {
      const body = request.body as OllamaModelNameForm;
      const name = modelOf(body);
      if (!name) throw new ApiError(400, ERROR_MESSAGES.MODEL_NOT_FOUND(''));
      const { conn, model } = await svc.route(name, 'first', urlIdxOf(request));
      await readJson(await call(svc.send(conn, '/api/delete', { method: 'DELETE', json: { model }, user: request.user }), 'sync'));
      svc.invalidate();
      return true;
    },
  });

}

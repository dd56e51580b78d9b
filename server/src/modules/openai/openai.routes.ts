import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ChatCompletionRequest, EmbeddingsRequest, OpenAIConfig, OpenAIVerifyForm } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { relayStream, sseErrorLine } from '../../llm/stream-relay.js';
import { clientAbort } from '../../llm/client-abort.js';
import { upstreamErrorMessage, type UpstreamResponse } from '../../llm/upstreams.js';
import { currentUser } from '../../plugins/auth-guard.js';
import type { ZodTypeProvider } from '../../plugins/zod.js';
import { stripOpenWebUIFields } from '../completions/completion-fields.js';
import { readOpenAIConfig, updateOpenAIConfig } from './openai.config.js';
import { connectionFrom, target } from './openai.connections.js';
import { errorFromException, errorFromResponse, openaiStyleErrors } from './openai.errors.js';
import { OpenAIService } from './openai.service.js';
import { openaiProxyRoutes } from './openai.proxy.routes.js';
import { authorizeModelUse, bypassesModelAccess, DENY_PROXY, visibleTo } from '../models/model-access.js';
import { applyPresetOpenAI } from '../models/model-presets.js';

const UrlIdx = z.object({ url_idx: z.coerce.number().int().min(0) });

/** Sends a non-streamed upstream answer on with its status and JSON body untouched. */
async function sendUpstreamJson(reply: import('fastify').FastifyReply, res: UpstreamResponse) {
  // A 2xx that claims JSON but is not (truncated, an HTML page) must not reach a client as success.
  const claimsJson = res.ok && (res.headers['content-type'] ?? 'application/json').includes('json');
  const text = claimsJson ? await res.jsonText() : await res.text();
  return reply.status(res.status).header('content-type', res.headers['content-type'] ?? 'application/json').send(text);
}

export async function openaiRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = OpenAIService.for(ctx);
  const errorHandler = openaiStyleErrors;

  app.get('/openai/config', { config: { auth: 'admin' } }, async () => readOpenAIConfig(ctx.settings));

  app.post('/openai/config/update', { config: { auth: 'admin' }, schema: { body: OpenAIConfig } }, async (request) =>
    updateOpenAIConfig(ctx.settings, request.body),
  );

  app.post('/openai/verify', { config: { auth: 'admin' }, schema: { body: OpenAIVerifyForm } }, async (request) => {
    const { url, key, config } = request.body;
    const conn = connectionFrom(0, url, key, (config ?? {}) as Record<string, unknown>);
    const t = target(conn, '/models');
    let res: UpstreamResponse;
    try {
      res = await svc.upstreams.request({ url: t.url, key: t.key, headers: t.headers, kind: 'list' });
    } catch {
      throw new ApiError(500, ERROR_MESSAGES.SERVER_CONNECTION_ERROR);
    }
    if (!res.ok) {
      const { message, isJson } = await upstreamErrorMessage(res);
      throw new ApiError(500, isJson && message ? `External Error: ${message}` : ERROR_MESSAGES.SERVER_CONNECTION_ERROR);
    }
    try {
      return await res.json();
    } catch {
      throw new ApiError(500, ERROR_MESSAGES.SERVER_CONNECTION_ERROR);
    }
  });

  app.get('/openai/models', { config: { auth: 'verified' }, errorHandler }, async (request) => ({
    data: await visibleTo(ctx, currentUser(request), await svc.listModels(), (m) => m.id),
    object: 'list',
  }));

  app.get('/openai/models/:url_idx', { config: { auth: 'verified' }, schema: { params: UrlIdx }, errorHandler }, async (request, reply) => {
    const conn = svc.connection(request.params.url_idx);
    if (conn.modelIds.length || conn.azure) {
      const ids = await visibleTo(ctx, currentUser(request), conn.modelIds, (id) => id);
      return { data: ids.map((id) => ({ id, object: 'model', owned_by: 'openai' })), object: 'list' };
    }
    const t = target(conn, '/models');
    let res: UpstreamResponse;
    try {
      res = await svc.upstreams.request({ url: t.url, key: t.key, headers: t.headers, kind: 'list' });
    } catch (err) {
      throw errorFromException(err);
    }
    if (!res.ok) throw await errorFromResponse(res);
    if (bypassesModelAccess(ctx, currentUser(request))) return sendUpstreamJson(reply, res);
    // Workspace step: a plain user sees only the models the access rule grants.
    const list = (await res.json().catch(() => null)) as { data?: { id?: unknown }[] } | null;
    return { ...list, data: await visibleTo(ctx, currentUser(request), Array.isArray(list?.data) ? list.data : [], (m) => String(m.id)) };
  });

  app.post('/openai/chat/completions', { config: { auth: 'verified' }, schema: { body: ChatCompletionRequest }, errorHandler }, async (request, reply) => {
    const user = currentUser(request);
    const signal = clientAbort(request, reply);
    // Workspace step: the model access rule (403 "Model not found"), then the preset's base model and settings.
    const access = await authorizeModelUse(ctx, user, request.body.model, DENY_PROXY);
    const withPreset = applyPresetOpenAI(request.body as Record<string, unknown>, access.record(request.body.model), user);
    const body = stripOpenWebUIFields(withPreset) as Record<string, unknown> & { model: string };
    let routed;
    try {
      routed = await svc.chat(body, { signal, user, chatId: request.body.chat_id ?? undefined });
    } catch (err) {
      throw errorFromException(err);
    }
    const res = routed.response;
    if (!res.ok) throw await errorFromResponse(res);
    if ((res.headers['content-type'] ?? '').includes('text/event-stream')) {
      return relayStream(reply, res, {
        contentType: 'text/event-stream; charset=utf-8',
        errorLine: sseErrorLine,
        onBreak: (err) => request.log.warn({ err }, 'OpenAI stream broke midway'),
      });
    }
    return sendUpstreamJson(reply, res);
  });

  app.post('/openai/embeddings', { config: { auth: 'verified' }, schema: { body: EmbeddingsRequest }, errorHandler }, async (request, reply) => {
    const signal = clientAbort(request, reply);
    let routed;
    try {
      routed = await svc.embeddings(request.body as Record<string, unknown> & { model: string }, { signal, user: currentUser(request) });
    } catch (err) {
      throw errorFromException(err);
    }
    if (!routed.response.ok) throw await errorFromResponse(routed.response);
    return sendUpstreamJson(reply, routed.response);
  });

  await root.register(openaiProxyRoutes, { ctx });
}

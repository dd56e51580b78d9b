import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { clientAbortSignal, relayStream, sseErrorLine } from '../../llm/stream-relay.js';
import { assertUnderBase, isOllamaAdminPath, rawRestAfter, safeSubpath } from '../../llm/path-guard.js';
import { upstreamErrorMessage, type UpstreamResponse } from '../../llm/upstreams.js';
import { currentUser } from '../../plugins/auth-guard.js';
import { OPENAI_HOST, target } from './openai.connections.js';
import { errorFromException, openaiStyleErrors } from './openai.errors.js';
import { OpenAIService } from './openai.service.js';

/**
 * The two `/openai` routes that need the request body as raw bytes: `audio/speech` (its cache key is
 * the SHA-256 of the body, as in the original) and the deprecated catch-all proxy (forwards any body).
 * Registered as their own plugin so the raw-body parser does not leak onto the JSON routes.
 */

async function externalError(res: UpstreamResponse): Promise<ApiError> {
  const { message, isJson } = await upstreamErrorMessage(res);
  return new ApiError(res.status >= 400 ? res.status : 500, isJson && message ? `External: ${message}` : ERROR_MESSAGES.SERVER_CONNECTION_ERROR);
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding', 'upgrade', 'te', 'trailer']);

export async function openaiProxyRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  const svc = OpenAIService.for(ctx);
  const speechDir = path.join(ctx.config.paths.dataDir, 'cache', 'audio', 'speech');

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.post('/openai/audio/speech', { config: { auth: 'verified' }, errorHandler: openaiStyleErrors }, async (request, reply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.from('');
    const name = createHash('sha256').update(raw).digest('hex');
    const file = path.join(speechDir, `${name}.mp3`);
    const cached = await fs.readFile(file).catch(() => null);
    if (cached) return reply.header('content-type', 'audio/mpeg').send(cached);

    // The original only speaks to OpenAI itself here (other TTS engines live under /api/v1/audio).
    const idx = ctx.settings.get('OPENAI_API_BASE_URLS').findIndex((u) => u.replace(/\/+$/, '') === OPENAI_HOST);
    if (idx < 0) throw new ApiError(401, ERROR_MESSAGES.OPENAI_NOT_FOUND);
    const conn = svc.connection(idx);
    const t = target(conn, '/audio/speech');
    let res: UpstreamResponse;
    try {
      res = await svc.upstreams.request({
        url: t.url,
        key: t.key,
        headers: { ...t.headers, 'content-type': 'application/json' },
        body: raw,
        signal: clientAbortSignal(request, reply),
      });
    } catch (err) {
      throw errorFromException(err);
    }
    if (!res.ok) throw await externalError(res);
    const audio = Buffer.from(await res.body.toArray().then((parts) => Buffer.concat(parts as Buffer[])));
    await fs.mkdir(speechDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, audio);
    await fs.rename(tmp, file);
    await fs.writeFile(path.join(speechDir, `${name}.json`), raw).catch(() => undefined);
    return reply.header('content-type', res.headers['content-type'] ?? 'audio/mpeg').send(audio);
  });

  // Deprecated in the original but still served: anything else under /openai goes to connection 0.
  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE'],
    url: '/openai/*',
    config: { auth: 'verified' },
    errorHandler: openaiStyleErrors,
    handler: async (request, reply: FastifyReply) => {
      // The switch, the path and the role are checked before anything is sent (issue 12).
      if (!svc.enabled()) throw new ApiError(503, ERROR_MESSAGES.OPENAI_API_DISABLED);
      const urls = ctx.settings.get('OPENAI_API_BASE_URLS');
      if (!urls.length) throw new ApiError(404, ERROR_MESSAGES.OPENAI_NOT_FOUND);
      const conn = svc.connection(0);
      if (!conn.enable) throw new ApiError(503, ERROR_MESSAGES.OPENAI_API_DISABLED);
      const sub = safeSubpath(rawRestAfter(request.url, '/openai/'));
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      const t = target(conn, sub);
      assertUnderBase(conn.url, t.url);
      if (currentUser(request).role !== 'admin' && isOllamaAdminPath(new URL(t.url).pathname)) throw new ApiError(401, ERROR_MESSAGES.ACCESS_PROHIBITED);
      const body = Buffer.isBuffer(request.body) && request.body.length ? request.body : undefined;
      let res: UpstreamResponse;
      try {
        res = await svc.upstreams.request({
          url: t.url + query,
          method: request.method,
          key: t.key,
          headers: { ...t.headers, ...(body ? { 'content-type': request.headers['content-type'] ?? 'application/json' } : {}) },
          body,
          signal: clientAbortSignal(request, reply),
        });
      } catch (err) {
        throw errorFromException(err);
      }
      if (!res.ok) throw await externalError(res);
      const type = res.headers['content-type'] ?? 'application/json';
      if (type.includes('text/event-stream')) return relayStream(reply, res, { contentType: type, errorLine: sseErrorLine });
      for (const [k, v] of Object.entries(res.headers)) if (!HOP_BY_HOP.has(k)) reply.header(k, v);
      return reply.status(res.status).send(res.body);
    },
  });
}

import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { z } from 'zod';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import type { AuthLevel } from '../../plugins/auth-guard.js';
import { clientAbortSignal, ndjsonErrorLine, relayStream, sseErrorLine } from '../../llm/stream-relay.js';
import type { UpstreamResponse } from '../../llm/upstreams.js';
import { isWholeJson } from '../../llm/whole-json.js';
import { errorFromException, errorFromResponse, type FailureFlavor } from './ollama.errors.js';
import type { OllamaService } from './ollama.service.js';

/** Helpers shared by the Ollama route files: dual `/x` + `/x/:url_idx` registration and relaying. */

export const UrlIdxParams = z.object({ url_idx: z.coerce.number().int().min(0).optional() });

export function urlIdxOf(request: FastifyRequest): number | undefined {
  return (request.params as { url_idx?: number } | undefined)?.url_idx;
}

export interface DualRoute {
  method: RouteOptions['method'];
  path: string;
  auth: AuthLevel;
  body?: z.ZodType;
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

/** Registers `path` and, like the original, `path/{url_idx}` pinning the call to one server. */
export function dualRoute(app: FastifyInstance, r: DualRoute): void {
  for (const url of [r.path, `${r.path}/:url_idx`]) {
    app.route({
      method: r.method,
      url,
      config: { auth: r.auth },
      schema: { params: UrlIdxParams, ...(r.body ? { body: r.body } : {}) },
      handler: r.handler,
    });
  }
}

export function ensureEnabled(svc: OllamaService): void {
  if (!svc.enabled()) throw new ApiError(503, ERROR_MESSAGES.OLLAMA_API_DISABLED);
}

/** The model a body names (`model`, or `name` from older clients). */
export function modelOf(body: { model?: unknown; name?: unknown }): string {
  const name = typeof body.model === 'string' && body.model ? body.model : typeof body.name === 'string' ? body.name : '';
  return name;
}

/** Awaits an upstream call, turning transport failures into the original's errors. */
export async function call<T>(p: Promise<T>, flavor: FailureFlavor): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw errorFromException(err, flavor);
  }
}

/**
 * Sends a generation-style upstream reply: errors become `{"detail"}` with the upstream status; a
 * stream (NDJSON or SSE) is relayed chunk by chunk; a plain JSON reply is relayed as is.
 */
export async function sendUpstream(reply: FastifyReply, res: UpstreamResponse, request: FastifyRequest): Promise<FastifyReply> {
  if (!res.ok) throw await errorFromResponse(res, 'stream');
  const ct = res.headers['content-type'] ?? '';
  const sse = ct.includes('text/event-stream');
  const json = ct.includes('application/json');
  if (json && !sse) {
    // A non-streamed reply is one JSON document: check it, so a broken upstream is a 502 and not a 200.
    const text = await call(res.text(), 'stream');
    if (!isWholeJson(text)) throw new ApiError(502, 'The Ollama server sent a reply that is not valid JSON');
    return reply.status(res.status).header('content-type', ct).send(text);
  }
  return relayStream(reply, res, {
    contentType: sse ? 'text/event-stream' : json ? ct : 'application/x-ndjson',
    errorLine: sse ? sseErrorLine : ndjsonErrorLine,
    onBreak: (err) => request.log.warn({ reason: err instanceof Error ? err.message : String(err) }, 'Ollama stream broke midway'),
  });
}

/** Reads a synchronous upstream JSON reply or throws the original's "Ollama: ..." error. */
export async function readJson(res: UpstreamResponse): Promise<unknown> {
  if (!res.ok) throw await errorFromResponse(res, 'sync');
  const text = await call(res.text(), 'sync');
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(502, 'The Ollama server sent a reply that is not valid JSON');
  }
}

export { clientAbortSignal };

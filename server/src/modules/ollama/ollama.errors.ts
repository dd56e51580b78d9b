import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { UpstreamError, upstreamErrorMessage, type UpstreamResponse } from '../../llm/upstreams.js';

/**
 * How Ollama failures reach the client, following the original's two families of calls:
 * - 'stream' (chat, generate, pull, push, create): upstream `{"error": msg}` -> same status, detail msg.
 * - 'sync' (show, copy, delete, embed, tags/{idx}, version/{idx}): same status, detail "Ollama: msg".
 * Non-JSON error bodies become "Open WebUI: Server Connection Error" with the upstream status.
 * No response at all: refused/DNS -> 500 (the original's status), timeout -> 504, so a dead server is
 * reported within the configured timeout rather than hanging the caller.
 */
export type FailureFlavor = 'stream' | 'sync';

export async function errorFromResponse(res: UpstreamResponse, flavor: FailureFlavor): Promise<ApiError> {
  const { message, isJson } = await upstreamErrorMessage(res);
  const status = res.status >= 400 ? res.status : 500;
  if (!isJson || !message) return new ApiError(status, ERROR_MESSAGES.SERVER_CONNECTION_ERROR);
  return new ApiError(status, flavor === 'stream' ? message : `Ollama: ${message}`);
}

export function errorFromException(err: unknown, flavor: FailureFlavor): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof UpstreamError) {
    if (err.kind === 'timeout') return new ApiError(504, `Ollama: ${err.message}`);
    if (flavor === 'sync') return new ApiError(500, ERROR_MESSAGES.SERVER_CONNECTION_ERROR);
    return new ApiError(500, `Ollama: ${err.message}`);
  }
  return new ApiError(500, ERROR_MESSAGES.SERVER_CONNECTION_ERROR);
}

/**
 * Error handler for the `/ollama/*` scope: Open WebUI's own UI reads `detail`, while the official
 * `ollama` client (and LangChain's ChatOllama on top of it) reads `error` and otherwise shows only
 * "Error 503: Service Unavailable". Sending both lets each show the real reason.
 */
export function ollamaStyleErrors(error: FastifyError | ApiError, _request: FastifyRequest, reply: FastifyReply): void {
  if (!(error instanceof ApiError) || typeof error.detail !== 'string') throw error;
  if (error.headers) reply.headers(error.headers);
  reply.status(error.statusCode).send({ detail: error.detail, error: error.detail });
}

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { UpstreamError, upstreamErrorMessage, type UpstreamResponse } from '../../llm/upstreams.js';

/**
 * Failures of OpenAI-compatible calls, as the original reports them: an upstream JSON error keeps its
 * status and `error.message`; a non-JSON one keeps its status with "Open WebUI: Server Connection
 * Error"; no answer at all is 500 with that text (504 when our timeout fired).
 */
export async function errorFromResponse(res: UpstreamResponse, prefix = ''): Promise<ApiError> {
  const { message, isJson } = await upstreamErrorMessage(res);
  const status = res.status >= 400 ? res.status : 500;
  if (!isJson || !message) return new ApiError(status, ERROR_MESSAGES.SERVER_CONNECTION_ERROR);
  return new ApiError(status, prefix + message);
}

export function errorFromException(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof UpstreamError && err.kind === 'timeout') return new ApiError(504, `${ERROR_MESSAGES.SERVER_CONNECTION_ERROR}: ${err.message}`);
  return new ApiError(500, ERROR_MESSAGES.SERVER_CONNECTION_ERROR);
}

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  422: 'invalid_request_error',
  429: 'rate_limit_error',
};

/**
 * Route-level error handler for the OpenAI-shaped endpoints: the body keeps Open WebUI's `detail`
 * (what its UI reads) and adds OpenAI's `error` object (what the official SDKs read), so both kinds of
 * client show the real message. Anything that is not an ApiError goes to the app's handler.
 */
export function openaiStyleErrors(error: FastifyError | ApiError, _request: FastifyRequest, reply: FastifyReply): void {
  if (!(error instanceof ApiError) || typeof error.detail !== 'string') throw error;
  if (error.headers) reply.headers(error.headers);
  const status = error.statusCode;
  reply.status(status).send({
    detail: error.detail,
    error: { message: error.detail, type: TYPE_BY_STATUS[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error'), param: null, code: null },
  });
}

import type { FastifyError, FastifyInstance } from 'fastify';
import { ApiError } from '../errors/api-error.js';
import { DATABASE_UNAVAILABLE, isDatabaseUnavailable } from '../errors/unavailable.js';
import { RequestValidationError } from './zod.js';

// FastAPI names the request parts this way in its 422 `loc`.
const PART: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/**
 * Every error leaves as `{"detail": ...}`. 4xx keep their message; 5xx are logged with the request id
 * and replaced by a generic text so internals (SQL, stack, paths) never reach a client.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError | RequestValidationError, request, reply) => {
    if (error instanceof ApiError) {
      if (error.headers) reply.headers(error.headers);
      return reply.status(error.statusCode).send({ detail: error.detail });
    }
    const validation = error instanceof RequestValidationError ? error : (error as FastifyError & { cause?: unknown }).cause;
    if (validation instanceof RequestValidationError || error instanceof RequestValidationError) {
      const v = (error instanceof RequestValidationError ? error : validation) as RequestValidationError;
      const part = PART[v.part] ?? v.part;
      return reply.status(422).send({
        detail: v.issues.map((i) => ({ type: i.code, loc: [part, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))], msg: i.message })),
      });
    }
    const status = (error as FastifyError).statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = (error as FastifyError).code;
      let detail = error.message;
      if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') detail = 'Request body is too large';
      else if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) detail = `Invalid JSON body: ${error.message}`;
      else if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') detail = 'Request body is empty but Content-Type is application/json';
      return reply.status(status).send({ detail });
    }
    // PostgreSQL refuses U+0000 in text (SQLite stores it): whichever query a NUL from the request reached,
    // it is the client's input that cannot be stored or matched, not a server fault.
    const pgCode = (error as { code?: unknown }).code;
    if (pgCode === '22021' || pgCode === '22P05') return reply.status(400).send({ detail: 'Text must not contain NUL (\\u0000) characters' });
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error.message }, 'database unavailable');
      return reply.status(503).send({ detail: DATABASE_UNAVAILABLE });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(status >= 500 && status < 600 ? status : 500).send({ detail: `Internal Server Error (request id ${request.id})` });
  });

  app.setNotFoundHandler((_request, reply) => reply.status(404).send({ detail: 'Not Found' }));
}

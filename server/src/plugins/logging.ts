import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import pino, { type DestinationStream } from 'pino';
import type { Config } from '../config/env.js';
import { LEVEL_NAMES, textStream } from './log-format.js';

// Anything that can carry a secret. Fastify's request serializer logs no bodies or headers, but errors
// and our own structured logs might, so these paths are censored wherever they appear.
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.new_password',
  '*.api_key',
  '*.key',
  '*.token',
  'password',
  'api_key',
  'key',
  'token',
  '*.OPENAI_API_KEYS',
];

// `code`/`state`: the OAuth callback's authorization code and CSRF value.
const SECRET_QUERY = /([?&](?:token|api_key|key|password|code|state|id_token_hint)=)[^&]*/gi;

/** Where lines go without an explicit stream: readable text on a terminal, JSON otherwise (LOG_FORMAT wins). */
function defaultStream(config: Config): DestinationStream | undefined {
  const text = config.log.format === 'text' || (config.log.format === 'auto' && process.stdout.isTTY === true);
  return text ? textStream(process.stdout.isTTY === true && !config.log.noColor) : undefined;
}

export function createLogger(config: Config, stream?: DestinationStream): NonNullable<FastifyServerOptions['loggerInstance']> {
  return pino(
    {
      level: config.log.level,
      // The original's level names (INFO, WARNING, CRITICAL), in JSON too.
      formatters: { level: (label, number) => ({ level: LEVEL_NAMES[number] ?? label.toUpperCase() }) },
      // Fastify logs "Server listening at" once per network interface; the start-up summary
      // (startup-summary.ts) says where to open the UI instead, once.
      hooks: {
        logMethod(args, method) {
          if (typeof args[0] === 'string' && args[0].startsWith('Server listening at ')) return;
          method.apply(this, args);
        },
      },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        req: (req: { method: string; url: string; id: string }) => ({ method: req.method, url: req.url.replace(SECRET_QUERY, '$1[redacted]'), id: req.id }),
      },
    },
    stream ?? defaultStream(config),
  );
}

/** One line per request (Fastify's default is two), skipping health probes like the original. */
export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    if (request.url === '/health') return;
    request.log.info(
      { method: request.method, url: request.url.replace(SECRET_QUERY, '$1[redacted]'), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request',
    );
  });
}

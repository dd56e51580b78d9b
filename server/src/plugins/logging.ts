import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Bindings, Logger as PinoLogger } from 'pino';
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

/**
 * Fastify gives every request a pino child logger bound to its id. Building one (bindings serialised,
 * every level method rebound through our hooks) cost ~13 us a request, and most requests never log a
 * line. This stand-in inherits everything from the parent and builds the real child only when a
 * method of an enabled level is called, so lines that are written still carry `reqId`.
 */
const LEVEL_METHODS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
const REAL = Symbol('realChild');
const BINDINGS = Symbol('childBindings');
type Logger = PinoLogger;
type Lazy = Logger & { [REAL]?: Logger; [BINDINGS]: Bindings };
const lazyProtos = new WeakMap<object, object>();

function lazyProto(parent: Logger): object {
  let proto = lazyProtos.get(parent);
  if (proto) return proto;
  const real = (self: Lazy): Logger => (self[REAL] ??= parent.child(self[BINDINGS]) as Logger);
  proto = Object.create(parent) as object;
  for (const name of LEVEL_METHODS) {
    Object.defineProperty(proto, name, {
      value(this: Lazy, ...args: unknown[]) {
        if (!(this[REAL] ?? parent).isLevelEnabled(name)) return;
        (real(this)[name] as (...a: unknown[]) => void)(...args);
      },
    });
  }
  Object.defineProperty(proto, 'child', { value(this: Lazy, b: Bindings, o?: object) { return real(this).child(b, o); } });
  Object.defineProperty(proto, 'bindings', { value(this: Lazy) { return real(this).bindings(); } });
  Object.defineProperty(proto, 'isLevelEnabled', { value(this: Lazy, level: string) { return (this[REAL] ?? parent).isLevelEnabled(level); } });
  // A level set on one request's logger applies to its own (now real) child only.
  Object.defineProperty(proto, 'level', {
    get(this: Lazy) { return (this[REAL] ?? parent).level; },
    set(this: Lazy, level: string) { real(this).level = level; },
  });
  lazyProtos.set(parent, proto);
  return proto;
}

export const lazyChildLoggerFactory: FastifyInstance['childLoggerFactory'] = function (logger, bindings, opts) {
  // A route's own level or serializers need a real child at once.
  if (opts.level !== undefined || opts.serializers !== undefined) return logger.child(bindings, opts);
  const lazy = Object.create(lazyProto(logger as Logger)) as Lazy;
  lazy[BINDINGS] = bindings;
  return lazy;
};

/** One line per request (Fastify's default is two), skipping health probes like the original. */
export function registerRequestLog(app: FastifyInstance): void {
  app.setChildLoggerFactory(lazyChildLoggerFactory);
  // A callback hook, and nothing built when INFO is off (a promise and the line's fields per request otherwise).
  app.addHook('onResponse', (request, reply, done) => {
    if (request.url !== '/health' && (request.log as PinoLogger).isLevelEnabled('info')) {
      request.log.info(
        { method: request.method, url: request.url.replace(SECRET_QUERY, '$1[redacted]'), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
        'request',
      );
    }
    done();
  });
}

import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors/api-error.js';

/**
 * Depth bound for every JSON request body, enforced in the body parser so it holds for all routes
 * (and for everything later stored from a body: chats, user info and settings, configs). A document
 * nested thousands deep is valid JSON but overflows the stack of any recursive walker that later
 * touches it (validation, serialisation, a list that includes it), which turned into 500s long after
 * the write. Real payloads (chat histories, tool schemas, settings) stay far below this.
 */
export const MAX_JSON_DEPTH = 128;

/** Nesting depth of a JSON text, scanning bytes (no recursion); stops early past `limit`. */
export function jsonDepthExceeds(text: string, limit = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

export const JSON_TOO_DEEP = `JSON body is nested too deeply (more than ${MAX_JSON_DEPTH} levels)`;

/** Replaces the JSON body parser with one that checks depth first, then parses like Fastify's own. */
export function registerJsonLimits(app: FastifyInstance): void {
  // Keeps Fastify's defaults: __proto__ and constructor.prototype keys in a body are a 400.
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (jsonDepthExceeds(text)) return done(new ApiError(400, JSON_TOO_DEEP), undefined);
    parse(request, text, done);
  });
}

/**
 * A stored JSON object column as an object, or null when the text is not valid JSON, not an object, or
 * nested past the bound (written before the bound existed, or by another program): one such row must
 * not turn a whole list into an error.
 */
export function storedJsonObject(text: string | null | undefined): Record<string, unknown> | null {
  if (!text || jsonDepthExceeds(text)) return null;
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

import type { FastifyReply } from 'fastify';
import type { Config } from '../config/env.js';

/**
 * The original's opt-in security headers: nothing is sent for an unset variable; a set one is checked
 * against the accepted shape (case-insensitively) and a value that does not fit becomes the safe fallback.
 * CONTENT_SECURITY_POLICY is passed through as given.
 */
type Rule = { header: string; fallback: string; accept: (v: string) => boolean; fixed?: string };

const REFERRER = ['no-referrer', 'no-referrer-when-downgrade', 'origin', 'origin-when-cross-origin', 'same-origin', 'strict-origin', 'strict-origin-when-cross-origin', 'unsafe-url'];
const CACHE_DIRECTIVE = /^(public|private|no-cache|no-store|must-revalidate|proxy-revalidate|no-transform|immutable|max-age=\d+|s-maxage=\d+)$/i;
const FEATURES = ['accelerometer', 'autoplay', 'camera', 'clipboard-read', 'clipboard-write', 'fullscreen', 'geolocation', 'gyroscope', 'magnetometer', 'microphone', 'midi', 'payment', 'picture-in-picture', 'sync-xhr', 'usb', 'xr-spatial-tracking'];
const PERMISSION = new RegExp(`^(${FEATURES.join('|')})=\\((self)?\\)$`, 'i');

const RULES: Record<keyof Config['securityHeaders'], Rule> = {
  hsts: { header: 'Strict-Transport-Security', fallback: 'max-age=31536000;includeSubDomains', accept: (v) => /^max-age=\d+(;includeSubDomains)?(;preload)?$/i.test(v) },
  xframeOptions: { header: 'X-Frame-Options', fallback: 'DENY', accept: (v) => /^(DENY|SAMEORIGIN)$/i.test(v) },
  xcontentType: { header: 'X-Content-Type-Options', fallback: 'nosniff', accept: () => false, fixed: 'nosniff' },
  xdownloadOptions: { header: 'X-Download-Options', fallback: 'noopen', accept: () => false, fixed: 'noopen' },
  referrerPolicy: { header: 'Referrer-Policy', fallback: 'no-referrer', accept: (v) => REFERRER.includes(v.toLowerCase()) },
  cacheControl: { header: 'Cache-Control', fallback: 'no-store, max-age=0', accept: (v) => /^[^,]+(,\s*[^,]+)*$/.test(v) && v.split(',').every((d) => CACHE_DIRECTIVE.test(d.trim())) },
  permissionsPolicy: { header: 'Permissions-Policy', fallback: 'none', accept: (v) => v.split(',').every((d) => PERMISSION.test(d.trim())) },
  xpermittedCrossDomainPolicies: { header: 'X-Permitted-Cross-Domain-Policies', fallback: 'none', accept: (v) => /^(none|master-only|by-content-type|by-ftp-filename)$/i.test(v) },
  contentSecurityPolicy: { header: 'Content-Security-Policy', fallback: '', accept: () => true },
};

/** Header name -> value for every variable that is set, after validation. */
export function securityHeaders(config: Pick<Config, 'securityHeaders'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, rule] of Object.entries(RULES) as [keyof Config['securityHeaders'], Rule][]) {
    const value = config.securityHeaders[key];
    if (!value) continue;
    out[rule.header] = rule.fixed ?? (rule.accept(value) ? value : rule.fallback);
  }
  return out;
}

/**
 * Sent even when their variables are unset (unlike the original): without them the UI could be framed by
 * any site (clickjacking) and responses could be content-sniffed. XFRAME_OPTIONS / XCONTENT_TYPE still
 * decide the value when set.
 */
export const DEFAULT_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'SAMEORIGIN',
};

/**
 * The security-header steps of the edge's hooks (./edge.ts). The set is computed once; each request
 * copies it onto the Fastify reply (not `reply.raw.setHeader`: a header set on the raw response makes
 * Node's writeHead merge Fastify's headers into it one `setHeader` at a time). Every reply, streamed
 * ones included, is sent through Fastify, so they all carry it.
 */
export function securityHeaderSteps(config: Config): {
  onRequest(reply: FastifyReply): void;
  onSend(reply: FastifyReply): void;
} {
  const headers = Object.entries({ ...DEFAULT_SECURITY_HEADERS, ...securityHeaders(config) });
  const cacheControl = headers.find(([name]) => name === 'Cache-Control')?.[1];
  return {
    onRequest(reply) {
      for (let i = 0; i < headers.length; i++) reply.header(headers[i]![0], headers[i]![1]);
    },
    onSend(reply) {
      // A route's own Cache-Control would otherwise win over the configured one; the original overrides.
      if (cacheControl !== undefined) reply.header('Cache-Control', cacheControl);
      // Whole seconds, like the original's int(time.time() - start); Fastify times the reply from just
      // before the onRequest hooks.
      const ms = reply.elapsedTime;
      reply.header('X-Process-Time', ms < 1000 ? '0' : String(Math.floor(ms / 1000)));
    },
  };
}

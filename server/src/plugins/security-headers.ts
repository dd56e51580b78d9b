import type { FastifyInstance } from 'fastify';
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

export function registerSecurityHeaders(app: FastifyInstance, config: Config): void {
  const headers = Object.entries({ ...DEFAULT_SECURITY_HEADERS, ...securityHeaders(config) });
  const cacheControl = headers.find(([name]) => name === 'Cache-Control')?.[1];
  // Callback hooks: an async hook costs a promise and a microtask per request for two header writes.
  app.addHook('onRequest', (request, reply, done) => {
    // On the raw response so streamed and hijacked replies carry them too.
    for (const [name, value] of headers) reply.raw.setHeader(name, value);
    (request as { startedAt?: bigint }).startedAt = process.hrtime.bigint();
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    // A route's own Cache-Control would otherwise win over the configured one; the original overrides.
    if (cacheControl !== undefined) reply.header('Cache-Control', cacheControl);
    const started = (request as { startedAt?: bigint }).startedAt ?? process.hrtime.bigint();
    reply.header('X-Process-Time', String(Number((process.hrtime.bigint() - started) / 1_000_000_000n)));
    done(null, payload);
  });
}

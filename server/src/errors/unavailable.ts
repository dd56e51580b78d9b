/**
 * Recognises "a backing service is away" failures (PostgreSQL down or restarting, a connection cut, the
 * pool unable to connect), so the error handler answers 503 with a clear reason instead of a generic
 * 500. Such requests can be retried; the pool reconnects on its own once the database is back.
 */
export const DATABASE_UNAVAILABLE = 'Database is not reachable. Please try again shortly.';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
// PostgreSQL SQLSTATE class 08 (connection exception) and 57P0x (server shutting down / cannot connect now).
const PG_STATES = /^(08\d{3}|57P0[1-3])$/;
const PG_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)/i;

export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (NETWORK_CODES.has(code) || PG_STATES.test(code)) return true;
    if (typeof e.message === 'string' && PG_MESSAGES.test(e.message)) return true;
    // AggregateError (several addresses refused) carries the reasons in `errors`.
    if (Array.isArray(e.errors) && e.errors.some((x) => isDatabaseUnavailable(x))) return true;
    e = e.cause as typeof e;
  }
  return false;
}

import type { DestinationStream } from 'pino';

/**
 * Log lines a person can read on a terminal, in the original's layout (loguru's
 * `2025-01-31 12:00:00.123 | INFO     | message`), extra fields as JSON after " - " and stacks below.
 * A few lines of code instead of pino-pretty: no worker thread at start-up and nothing added to the bundle.
 * Machines (not a TTY, or LOG_FORMAT=json) keep one JSON object per line.
 */

/** The original's (Python logging) level names, by pino level number. */
export const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARNING', 50: 'ERROR', 60: 'CRITICAL' };

const COLORS: Record<string, string> = { TRACE: '90', DEBUG: '36', INFO: '32', WARNING: '33', ERROR: '31', CRITICAL: '41;97' };
// `summary` repeats the start-up summary's lines as data, for JSON readers only.
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'err', 'summary']);

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function stamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatLine(json: string, color: boolean): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const msg = typeof o.msg === 'string' ? o.msg : '';
  const level = typeof o.level === 'string' ? o.level : (LEVEL_NAMES[Number(o.level)] ?? String(o.level));
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!OMIT.has(k)) extra[k] = v;
  const rest = Object.keys(extra).length ? ` - ${JSON.stringify(extra)}` : '';
  const err = o.err as { stack?: unknown; message?: unknown } | undefined;
  const stack = err && typeof err.stack === 'string' ? `\n${err.stack}` : err && typeof err.message === 'string' ? `\n${err.message}` : '';
  const name = level.padEnd(8);
  const shown = color ? `\x1b[${COLORS[level] ?? '0'}m${name}\x1b[0m` : name;
  return `${stamp(typeof o.time === 'number' ? o.time : Date.now())} | ${shown} | ${msg}${rest}${stack}\n`;
}

/** A pino destination writing readable lines to `out` (stdout by default). */
export function textStream(color: boolean, out: { write(s: string): unknown } = process.stdout): DestinationStream {
  return {
    write(line: string) {
      out.write(formatLine(line.trimEnd(), color));
    },
  };
}

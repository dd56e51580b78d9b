/**
 * Conversions from the original's stored values (SQLite via SQLAlchemy/peewee, or PostgreSQL) to
 * ours. Their columns drift between versions (DATETIME columns holding epoch integers, JSON text or
 * parsed JSON, 0/1 or booleans, nullable columns in fresh 0.9.6+ installs), so every reader is lenient.
 */

/** Epoch seconds from epoch s/ms/ns numbers, numeric strings or date strings; `fallback` otherwise. */
export function epochSeconds(v: unknown, fallback: number): number {
  let n: number;
  if (typeof v === 'number' || typeof v === 'bigint') n = Number(v);
  else if (typeof v === 'string' && v.trim() !== '') {
    n = /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : v.replace(' ', 'T') + 'Z') / 1000;
  } else if (v instanceof Date) n = v.getTime() / 1000;
  else return fallback;
  if (!Number.isFinite(n)) return fallback;
  if (n > 1e17) n /= 1e9; // nanoseconds
  else if (n > 1e14) n /= 1e6; // microseconds
  else if (n > 1e11) n /= 1e3; // milliseconds
  return Math.floor(n);
}

export function bool(v: unknown, fallback: boolean): boolean {
  if (v === null || v === undefined) return fallback;
  if (typeof v === 'string') return v === '1' || v.toLowerCase() === 'true';
  return Boolean(v);
}

export function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return JSON.stringify(v);
}

/** JSON as text: stored text is kept byte for byte, a parsed value (PostgreSQL json) is serialised. */
export function jsonText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return JSON.stringify(v);
}

/** A parsed JSON object, or null; parsed objects have no prototype, so their keys are plain data. */
export function jsonObject(v: unknown): Record<string, unknown> | null {
  let parsed: unknown = v;
  if (typeof v === 'string') {
    try {
      parsed = JSON.parse(v, (_k, value: unknown) =>
        value && typeof value === 'object' && !Array.isArray(value) ? Object.assign(Object.create(null), value) : value,
      );
    } catch {
      return null;
    }
  }
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
}

import { z } from 'zod';

/**
 * How one environment variable is read: the parsers every config/*-env.ts file shares, so a
 * boolean, a number or a URL means the same thing (and fails with the same words) whatever feature
 * owns the variable. A value that is clearly wrong stops the start with a ConfigError naming it.
 */

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly accepted: string,
    readonly value: string,
    message?: string,
  ) {
    super(message ?? `Invalid value for ${variable}: '${value}'. ${accepted}`);
    this.name = 'ConfigError';
  }
}

// Open WebUI treats a boolean as true only when it lowercases to "true"; we do the same, but reject
// values that are clearly neither so a typo like ENABLE_SIGNUP=flase does not silently mean false.
const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

export function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined) return fallback;
  const v = raw.trim().toLowerCase();
  if (v === '') return fallback;
  if (TRUE_WORDS.has(v)) return true;
  if (FALSE_WORDS.has(v)) return false;
  throw new ConfigError(name, 'Accepted: true or false.', raw);
}

/** The original's own reading (`value.lower() == "true"`): anything else is false, nothing is refused. */
export function trueOnly(env: Env, name: string, fallback: boolean): boolean {
  const v = env[name]?.trim().toLowerCase();
  return v === undefined || v === '' ? fallback : v === 'true';
}

/** A whole number within [min, max]; empty means the fallback. */
export function int<F extends number | null>(env: Env, name: string, fallback: F, min = 0, max = Number.MAX_SAFE_INTEGER): number | F {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw.trim());
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new ConfigError(name, `Accepted: a whole number ${range}.`, raw);
  }
  return n;
}

/** A whole number >= 0, or null when empty or "none" (Python's None in the original's config). */
export function optionalInt(env: Env, name: string): number | null {
  const raw = env[name];
  if (raw === undefined || raw.trim().toLowerCase() === 'none') return null;
  return int(env, name, null);
}

/** Any finite number >= min; empty means the fallback. */
export function num<F extends number | null>(env: Env, name: string, fallback: F, min = Number.NEGATIVE_INFINITY): number | F {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw.trim());
  if (!Number.isFinite(n) || n < min) {
    throw new ConfigError(name, min === Number.NEGATIVE_INFINITY ? 'Accepted: a number.' : `Accepted: a number >= ${min}.`, raw);
  }
  return n;
}

/** Seconds as a positive number, or null for "no limit" (empty value). */
export function seconds(env: Env, name: string, fallback: number | null): number | null {
  const raw = env[name];
  if (raw === undefined) return fallback;
  if (raw.trim() === '') return null;
  const n = Number(raw.trim());
  if (!Number.isFinite(n) || n <= 0) {
    throw new ConfigError(name, 'Accepted: a number of seconds greater than 0, or empty for no limit.', raw);
  }
  return n;
}

export function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T, lower = true): T {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const v = lower ? raw.trim().toLowerCase() : raw.trim();
  const hit = values.find((x) => (lower ? x.toLowerCase() : x) === v);
  if (!hit) throw new ConfigError(name, `Accepted: ${values.join(', ')}.`, raw);
  return hit;
}

/** The trimmed value; the fallback only when the variable is not set at all (set but empty stays ''). */
export function str(env: Env, name: string, fallback = ''): string {
  const raw = env[name];
  return raw === undefined ? fallback : raw.trim();
}

/** The trimmed value, or the fallback when it is unset or empty. */
export function text(env: Env, name: string, fallback = ''): string {
  return env[name]?.trim() || fallback;
}

export function list(raw: string, sep = ';'): string[] {
  return raw
    .split(sep)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function httpUrl(name: string, raw: string, warnings: string[] = []): string {
  let url = raw.replace(/\/+$/, '');
  const isUrl = (u: string) => z.url({ protocol: /^https?$/ }).safeParse(u).success;
  // `localhost:11434` (no scheme) is a common slip: take it as http:// and say so, rather than refuse.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && /^[^/\s:]+:\d+(\/.*)?$/.test(url) && isUrl(`http://${url}`)) {
    warnings.push(`${name}: '${raw}' has no scheme; using 'http://${url}'. Write the full URL to silence this warning.`);
    url = `http://${url}`;
  }
  if (!isUrl(url)) {
    // Only the list variables (…_URLS) take several URLs; do not mention ';' for a single-URL one.
    const accepted = name.endsWith('URLS') ? 'Accepted: http:// or https:// URLs separated by ";".' : 'Accepted: an http:// or https:// URL, e.g. http://localhost:11434.';
    throw new ConfigError(name, accepted, raw);
  }
  return url;
}

/**
 * A JSON object, or undefined when empty. `strict` (the default) refuses anything else; otherwise a
 * broken value reads as unset, which is what the original does for the variables that say so.
 */
export function jsonObject(env: Env, name: string, strict = true): Record<string, unknown> | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  try {
    const v: unknown = JSON.parse(raw);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* reported below */
  }
  if (!strict) return undefined;
  throw new ConfigError(name, 'Accepted: a JSON object.', raw);
}

/**
 * JSON columns as read from either dialect: text on SQLite, already parsed on PostgreSQL (json
 * columns) or text there too (text columns of tables adopted from the original). A value that does
 * not parse, or is not the shape asked for, reads as null rather than failing the whole row.
 */

export type JsonObject = Record<string, unknown>;

export function readJson(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw ?? null;
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

/** The column as a JSON object, or null (missing, broken, or an array or scalar). */
export function jsonObject(raw: unknown): JsonObject | null {
  const v = readJson(raw);
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : null;
}

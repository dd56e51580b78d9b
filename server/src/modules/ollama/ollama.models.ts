import type { FastifyBaseLogger } from 'fastify';
import type { OllamaModel } from '@owui/contracts';
import { describeUpstreamError, type Upstreams } from '../../llm/upstreams.js';
import type { OllamaConnection } from './ollama.connections.js';

type RawModel = Record<string, unknown> & { model?: string; name?: string };

/** GET `<url><path>` of one server, as `{models:[...]}`; null when the server fails (logged). */
export async function fetchServerList(
  upstreams: Upstreams,
  conn: OllamaConnection,
  path: '/api/tags' | '/api/ps',
  log: FastifyBaseLogger,
  quiet = false,
): Promise<RawModel[] | null> {
  try {
    const res = await upstreams.request({ url: conn.url + path, key: conn.key, kind: 'list' });
    if (!res.ok) {
      await res.dump();
      if (!quiet) log.warn({ url: conn.url, status: res.status }, `Ollama server ${conn.idx} answered ${path} with HTTP ${res.status}; skipped`);
      return null;
    }
    const data = (await res.json()) as { models?: unknown };
    return Array.isArray(data?.models) ? (data.models as RawModel[]) : [];
  } catch (err) {
    if (!quiet) log.warn({ url: conn.url, reason: describeUpstreamError(err) }, `Ollama server ${conn.idx} unreachable for ${path}; skipped`);
    return null;
  }
}

/**
 * The original's merge: per server, keep `model_ids` if configured, rename with `prefix_id`, attach
 * `tags` and `connection_type`; then merge by `model` — first occurrence wins and collects `urls`.
 */
export function mergeLists(perServer: { conn: OllamaConnection; models: RawModel[] | null }[]): OllamaModel[] {
  const merged = new Map<string, OllamaModel>();
  for (const { conn, models } of perServer) {
    for (const raw of models ?? []) {
      const id = String(raw.model ?? raw.name ?? '');
      if (!id) continue;
      if (conn.modelIds.length && !conn.modelIds.includes(id) && !conn.modelIds.includes(String(raw.name ?? ''))) continue;
      const outward = conn.prefixId ? `${conn.prefixId}.${id}` : id;
      const existing = merged.get(outward);
      if (existing) {
        if (!existing.urls.includes(conn.idx)) existing.urls.push(conn.idx);
        continue;
      }
      const entry: OllamaModel = {
        ...raw,
        name: conn.prefixId ? `${conn.prefixId}.${String(raw.name ?? id)}` : String(raw.name ?? id),
        model: outward,
        urls: [conn.idx],
        connection_type: conn.connectionType,
      };
      if (conn.tags.length) entry.tags = conn.tags;
      merged.set(outward, entry);
    }
  }
  return [...merged.values()];
}

/** Queries every enabled server in parallel; a failed or slow one only loses its own models. */
export async function fetchMergedModels(
  upstreams: Upstreams,
  connections: OllamaConnection[],
  log: FastifyBaseLogger,
): Promise<OllamaModel[]> {
  const enabled = connections.filter((c) => c.enable);
  const results = await Promise.all(
    enabled.map(async (conn) => {
      const [tags, ps] = await Promise.all([
        fetchServerList(upstreams, conn, '/api/tags', log),
        // Loaded-model expiry is a nicety; its failure is already covered by the tags call.
        fetchServerList(upstreams, conn, '/api/ps', log, true),
      ]);
      return { conn, models: tags, ps };
    }),
  );
  const merged = mergeLists(results);
  const expiry = new Map<string, number>();
  for (const { conn, ps } of results) {
    for (const m of ps ?? []) {
      const id = String(m.model ?? m.name ?? '');
      const at = typeof m.expires_at === 'string' ? Math.floor(Date.parse(m.expires_at) / 1000) : NaN;
      if (id && Number.isFinite(at)) expiry.set(conn.prefixId ? `${conn.prefixId}.${id}` : id, at);
    }
  }
  for (const m of merged) {
    const at = expiry.get(m.model);
    if (at !== undefined) m.expires_at = at;
  }
  return merged;
}

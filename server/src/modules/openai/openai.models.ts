import type { FastifyBaseLogger } from 'fastify';
import { describeUpstreamError, type Upstreams } from '../../llm/upstreams.js';
import { isOpenAIHost, target, type OpenAIConnection } from './openai.connections.js';

/** A merged entry: the upstream's own fields plus Open WebUI's (`name`, `owned_by`, `openai`, `urlIdx`, ...). */
export type OpenAIModel = Record<string, unknown> & { id: string; name: string; owned_by: 'openai'; urlIdx: number; openai: Record<string, unknown> };

// api.openai.com lists models that cannot chat; the original hides them from the picker.
const NON_CHAT = ['babbage', 'dall-e', 'davinci', 'embedding', 'tts', 'whisper'];

/** The raw `/models` list of one connection; null when it fails (logged, never fatal). */
export async function fetchConnectionModels(upstreams: Upstreams, conn: OpenAIConnection, log: FastifyBaseLogger): Promise<Record<string, unknown>[] | null> {
  // With model_ids configured (always for Azure) the list is not asked for, it is what the admin set.
  if (conn.modelIds.length) return conn.modelIds.map((id) => ({ id, name: id, object: 'model', owned_by: 'openai' }));
  if (conn.azure) return [];
  try {
    const t = target(conn, '/models');
    const res = await upstreams.request({ url: t.url, key: t.key, headers: t.headers, kind: 'list' });
    if (!res.ok) {
      await res.dump();
      log.warn({ url: conn.url, status: res.status }, `OpenAI connection ${conn.idx} answered /models with HTTP ${res.status}; skipped`);
      return null;
    }
    const body = (await res.json()) as { data?: unknown; models?: unknown } | unknown[];
    const list = Array.isArray(body) ? body : Array.isArray(body?.data) ? body.data : Array.isArray(body?.models) ? body.models : [];
    return list.filter((m): m is Record<string, unknown> => !!m && typeof m === 'object' && typeof (m as { id?: unknown }).id === 'string');
  } catch (err) {
    log.warn({ url: conn.url, reason: describeUpstreamError(err) }, `OpenAI connection ${conn.idx} unreachable for /models; skipped`);
    return null;
  }
}

export function toMergedEntries(conn: OpenAIConnection, raw: Record<string, unknown>[]): OpenAIModel[] {
  const now = Math.floor(Date.now() / 1000);
  const list = isOpenAIHost(conn) ? raw.filter((m) => !NON_CHAT.some((w) => String(m.id).includes(w))) : raw;
  return list.map((m) => {
    const id = conn.prefixId ? `${conn.prefixId}.${String(m.id)}` : String(m.id);
    const entry: OpenAIModel = {
      ...m,
      id,
      name: typeof m.name === 'string' && m.name ? (conn.prefixId ? `${conn.prefixId}.${m.name}` : m.name) : id,
      object: 'model',
      created: typeof m.created === 'number' ? m.created : now,
      owned_by: 'openai',
      openai: { ...m, id },
      connection_type: conn.connectionType,
      urlIdx: conn.idx,
    };
    if (conn.tags.length) entry.tags = conn.tags;
    return entry;
  });
}

/** All enabled connections in parallel; duplicate ids: the later connection wins (as the original's map). */
export async function fetchMergedModels(upstreams: Upstreams, connections: OpenAIConnection[], log: FastifyBaseLogger): Promise<OpenAIModel[]> {
  const enabled = connections.filter((c) => c.enable);
  const lists = await Promise.all(enabled.map(async (conn) => toMergedEntries(conn, (await fetchConnectionModels(upstreams, conn, log)) ?? [])));
  const byId = new Map<string, OpenAIModel>();
  for (const list of lists) for (const m of list) byId.set(m.id, m);
  return [...byId.values()];
}

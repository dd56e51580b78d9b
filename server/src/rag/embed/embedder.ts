import { request } from 'undici';

export interface EmbeddingSettings {
  engine: '' | 'ollama' | 'openai';
  model: string;
  batchSize: number;
  concurrency: number;
  ollama: { url: string; key: string };
  openai: { url: string; key: string };
}

export class EmbeddingError extends Error {}

const TRANSIENT = new Set([408, 409, 425, 429, 500, 502, 503, 504]);
const ATTEMPTS = 4;
const TIMEOUT_MS = 60_000;
const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

/** Whether embeddings are configured at all; without them retrieval is full-text only. */
export function embeddingsEnabled(s: EmbeddingSettings): boolean {
  return s.engine !== '' && s.model !== '';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readJson(body: { text(): Promise<string> }): Promise<unknown> {
  const text = await body.text();
  if (text.length > MAX_RESPONSE_BYTES) throw new EmbeddingError('Embedding response too large');
  try {
    return JSON.parse(text);
  } catch {
    throw new EmbeddingError('Embedding server returned something that is not JSON');
  }
}

function checkVectors(v: unknown, n: number): number[][] {
  if (!Array.isArray(v) || v.length !== n) throw new EmbeddingError(`Embedding server returned ${Array.isArray(v) ? v.length : 'no'} vectors for ${n} inputs`);
  const dim = Array.isArray(v[0]) ? v[0].length : 0;
  for (const row of v) {
    if (!Array.isArray(row) || row.length !== dim || dim === 0 || !row.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new EmbeddingError('Embedding server returned malformed vectors');
    }
  }
  return v as number[][];
}

/** One request for one batch, in the engine's wire format. */
async function embedBatch(s: EmbeddingSettings, input: string[], signal?: AbortSignal): Promise<number[][]> {
  const ollama = s.engine === 'ollama';
  const base = (ollama ? s.ollama.url : s.openai.url).replace(/\/+$/, '');
  const key = ollama ? s.ollama.key : s.openai.key;
  const url = ollama ? `${base}/api/embed` : `${base}/embeddings`;
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ model: s.model, input }),
    headersTimeout: TIMEOUT_MS,
    bodyTimeout: TIMEOUT_MS,
    signal,
  });
  if (res.statusCode >= 400) {
    const text = (await res.body.text()).slice(0, 500);
    const err = new EmbeddingError(`Embedding server answered ${res.statusCode}: ${text}`) as EmbeddingError & { status?: number };
    err.status = res.statusCode;
    throw err;
  }
  const json = (await readJson(res.body)) as { embeddings?: unknown; data?: { embedding?: unknown; index?: number }[] };
  if (ollama) return checkVectors(json.embeddings, input.length);
  if (!Array.isArray(json.data)) throw new EmbeddingError('Embedding server returned no data');
  const data = [...json.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  return checkVectors(data.map((d) => d.embedding), input.length);
}

/** One batch with retries on transient failures (connection errors, 429, 5xx), backing off. */
async function embedWithRetry(s: EmbeddingSettings, input: string[], signal?: AbortSignal): Promise<number[][]> {
  let last: unknown;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    try {
      return await embedBatch(s, input, signal);
    } catch (err) {
      last = err;
      const status = (err as { status?: number }).status;
      const transient = status === undefined ? !(err instanceof EmbeddingError) : TRANSIENT.has(status);
      if (!transient || signal?.aborted || attempt === ATTEMPTS - 1) break;
      await sleep(Math.min(4000, 250 * 2 ** attempt));
    }
  }
  if (last instanceof EmbeddingError) throw last;
  throw new EmbeddingError(`Could not reach the embedding server: ${(last as Error)?.message ?? last}`);
}

/**
 * Embeds `texts` in batches of `batchSize`, at most `concurrency` requests in flight, keeping order:
 * 10,000 chunks with batch 100 are exactly 100 requests. `onProgress` reports chunks done.
 */
export async function embedAll(
  s: EmbeddingSettings,
  texts: string[],
  opts: { signal?: AbortSignal; onProgress?: (done: number) => void } = {},
): Promise<number[][]> {
  const out: number[][] = new Array(texts.length);
  const batches: number[] = [];
  for (let i = 0; i < texts.length; i += s.batchSize) batches.push(i);
  let next = 0;
  let done = 0;
  let failed = false;
  const worker = async () => {
    while (next < batches.length && !failed) {
      const start = batches[next++]!;
      const slice = texts.slice(start, start + s.batchSize);
      const vectors = await embedWithRetry(s, slice, opts.signal).catch((err: unknown) => {
        failed = true;
        throw err;
      });
      for (let j = 0; j < vectors.length; j++) out[start + j] = vectors[j]!;
      done += slice.length;
      opts.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(s.concurrency, batches.length) }, worker));
  return out;
}

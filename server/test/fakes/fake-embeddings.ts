import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted embedding server speaking both wire formats the server uses: Ollama's `POST /api/embed`
 * (`{model, input}` -> `{model, embeddings}`) and OpenAI's `POST /v1/embeddings` (`{model, input}` ->
 * `{object:'list', data:[{object:'embedding', index, embedding}], model, usage}`). Vectors are a
 * deterministic bag of hashed words, so texts sharing words are close (cosine) the way real embeddings
 * of related texts are. Every request is counted; failures are scripted.
 */
export interface FakeEmbeddings {
  url: string;
  dims: number;
  /** Inputs per request, in order. */
  batches: number[];
  /** The next N requests answer 503 (a transient failure the client must retry). */
  failNext: number;
  /** Answer every request with this body (garbage) and status 200. */
  garbage: string | null;
  /** Every request answers 500 (down for good). */
  down: boolean;
  close(): Promise<void>;
}

export function embedText(text: string, dims: number): number[] {
  const v = new Array<number>(dims).fill(0);
  for (const w of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const h = createHash('md5').update(w).digest();
    v[h.readUInt32LE(0) % dims]! += 1;
    v[h.readUInt32LE(4) % dims]! += 0.5;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

export async function startFakeEmbeddings(dims = 64): Promise<FakeEmbeddings> {
  const state: Omit<FakeEmbeddings, 'url' | 'close'> = { dims, batches: [], failNext: 0, garbage: null, down: false };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
      };
      const ollama = req.url === '/api/embed';
      if (!ollama && req.url !== '/v1/embeddings') return send(404, { error: 'not found' });
      if (state.down) return send(500, ollama ? { error: 'model crashed' } : { error: { message: 'internal error' } });
      if (state.failNext > 0) {
        state.failNext--;
        return send(503, ollama ? { error: 'busy' } : { error: { message: 'overloaded' } });
      }
      if (state.garbage !== null) return send(200, state.garbage);
      let parsed: { model?: string; input?: string | string[] };
      try {
        parsed = JSON.parse(body) as typeof parsed;
      } catch {
        return send(400, { error: 'bad json' });
      }
      const inputs = Array.isArray(parsed.input) ? parsed.input : [String(parsed.input ?? '')];
      state.batches.push(inputs.length);
      const vectors = inputs.map((t) => embedText(t, dims));
      if (ollama) return send(200, { model: parsed.model, embeddings: vectors });
      return send(200, {
        object: 'list',
        data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
        model: parsed.model,
        usage: { prompt_tokens: 0, total_tokens: 0 },
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const fake = state as FakeEmbeddings;
  fake.url = `http://127.0.0.1:${port}`;
  fake.close = () => new Promise((r) => server.close(() => r()));
  return fake;
}

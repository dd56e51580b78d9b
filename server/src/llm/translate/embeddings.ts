import type { Json } from './chat-request.js';

/**
 * OpenAI embeddings request <-> Ollama `/api/embed`. Ollama takes `input` as a string list; the
 * original also sends the texts joined as `prompt` for servers that only know the legacy field.
 */
export function openaiEmbeddingsToOllama(body: Json): Json {
  const raw = body.input;
  const input = Array.isArray(raw) ? raw.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))) : [String(raw ?? '')];
  const out: Json = { model: body.model, input, prompt: input.join('\n') };
  for (const key of ['options', 'truncate', 'keep_alive', 'dimensions'] as const) {
    if (body[key] !== undefined && body[key] !== null) out[key] = body[key];
  }
  return out;
}

/** A vector as OpenAI's `encoding_format: "base64"`: little-endian float32 bytes, base64-encoded. */
export function embeddingToBase64(vector: number[]): string {
  const buf = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) buf.writeFloatLE(vector[i] ?? 0, i * 4);
  return buf.toString('base64');
}

/**
 * `/api/embed` (`embeddings`) or legacy `/api/embeddings` (`embedding`) reply -> OpenAI list. */
export function ollamaEmbeddingsToOpenai(reply: Json, model?: string, encodingFormat?: unknown): Json {
  const name = typeof reply.model === 'string' ? reply.model : (model ?? null);
  let data: Json[];
  if (Array.isArray(reply.embeddings)) {
    data = reply.embeddings.map((e: unknown, i) =>
      Array.isArray(e)
        ? { object: 'embedding', embedding: e, index: i }
        : { object: 'embedding', embedding: (e as Json)?.embedding ?? [], index: typeof (e as Json)?.index === 'number' ? (e as Json).index : i },
    );
  } else if (Array.isArray(reply.embedding)) {
    data = [{ object: 'embedding', embedding: reply.embedding, index: 0 }];
  } else if (Array.isArray(reply.data)) {
    return reply;
  } else {
    data = [];
  }
  // The official SDKs ask for base64 by default and decode it themselves; Ollama only speaks floats.
  if (encodingFormat === 'base64') {
    for (const d of data) if (Array.isArray(d.embedding)) d.embedding = embeddingToBase64(d.embedding as number[]);
  }
  const out: Json = { object: 'list', data, model: name };
  if (typeof reply.prompt_eval_count === 'number') out.usage = { prompt_tokens: reply.prompt_eval_count, total_tokens: reply.prompt_eval_count };
  return out;
}

/**
 * A streamed Ollama reply as OpenAI chunks, in two forms with the same output:
 * - iterated (`for await`): chunk objects, for the socket delivery, the tools loop and any wrapper;
 * - `sseStream()`: the SSE bytes for an HTTP reply, pushed from the upstream's `data` events. The
 *   iterated form costs a promise hop per token in each of four async-generator stages (NDJSON lines,
 *   translation, the error guard, SSE text) plus `Readable.from`; pushing does the per-line work in one
 *   synchronous callback per upstream read, and a plain content line (nearly every token) becomes its
 *   event from a per-stream prefix plus its content's JSON instead of a chunk object serialised whole:
 *   read from the line's text when it has Ollama's usual shape (`contentLine`, no JSON.parse), else
 *   from the parsed line (`contentEvent`).
 * A broken upstream ends either form with one error chunk (no `[DONE]`); an abort just ends it.
 */
import type { Readable } from 'node:stream';
import { pushedBody, pushTo } from '../../llm/stream-relay.js';
import type { Json } from '../../llm/translate/chat-request.js';
import { ollamaStreamToChunks, OllamaStreamTranslator, parseOllamaChatLine, SSE_DONE, sseEvent } from '../../llm/translate/chat-stream.js';
import { LineSplitter, LineTooLongError } from '../../llm/translate/lines.js';
import { isUpstreamTimeout, UpstreamError, type UpstreamResponse } from '../../llm/upstreams.js';

export function isAbort(err: unknown): boolean {
  return (err instanceof UpstreamError && err.kind === 'aborted') || (err as { name?: string })?.name === 'AbortError';
}

/** The chunk a stream that broke midway ends with. */
export function brokenStreamChunk(err: unknown): Json {
  const reason = isUpstreamTimeout(err) ? 'upstream timed out' : 'upstream connection lost';
  return { error: { message: `Stream interrupted: ${reason} before the response was complete`, type: 'upstream_error', code: null } };
}

/** Wraps a chunk source so a broken upstream ends in one error object instead of a thrown exception. */
export async function* guarded(source: AsyncIterable<Json>, res: UpstreamResponse): AsyncGenerator<Json> {
  try {
    yield* source;
  } catch (err) {
    if (isAbort(err)) return;
    yield brokenStreamChunk(err);
  } finally {
    if (!res.body.destroyed) res.body.destroy();
  }
}

export class OllamaChunks implements AsyncIterable<Json> {
  #taken = false;

  constructor(private readonly res: UpstreamResponse) {}

  [Symbol.asyncIterator](): AsyncIterator<Json> {
    this.#take();
    return guarded(ollamaStreamToChunks(this.res.body), this.res)[Symbol.asyncIterator]();
  }

  #take(): void {
    if (this.#taken) throw new Error('an upstream stream can be read once');
    this.#taken = true;
  }

  /** The reply as SSE text (`data: {chunk}` events, then `data: [DONE]`), with backpressure. */
  sseStream(): Readable {
    this.#take();
    const body = this.res.body;
    const out = pushedBody(body);
    const translator = new OllamaStreamTranslator();
    const splitter = new LineSplitter();
    let over = false;
    const stop = (tail: string) => {
      over = true;
      if (tail) pushTo(out, body, tail);
      pushTo(out, body, null);
      if (!body.destroyed) body.destroy();
    };
    // Events for these lines; stops the stream after an error chunk (what the iterated form does).
    const events = (lines: string[]): string => {
      let text = '';
      for (const line of lines) {
        const plain = translator.contentLine(line);
        if (plain !== undefined) {
          text += plain;
          continue;
        }
        const obj = parseOllamaChatLine(line);
        if (!obj) continue;
        const fast = translator.contentEvent(obj);
        if (fast !== undefined) {
          text += fast;
          continue;
        }
        const chunk = translator.translate(obj);
        text += sseEvent(chunk);
        if (chunk.error !== undefined) {
          stop(text);
          return '';
        }
      }
      return text;
    };
    body.on('data', (piece: Buffer) => {
      if (over) return;
      let lines: string[];
      try {
        lines = splitter.push(piece);
      } catch (err) {
        if (!(err instanceof LineTooLongError)) throw err;
        stop(sseEvent(translator.translate({ error: err.message })));
        return;
      }
      const text = events(lines);
      if (text && !over) pushTo(out, body, text);
    });
    body.once('end', () => {
      if (over) return;
      const text = events(splitter.end());
      if (!over) stop(text + SSE_DONE);
    });
    body.once('error', (err: unknown) => {
      if (over) return;
      // An abort ends the reply as the iterated form does (`[DONE]`, to a client that is usually gone).
      stop(isAbort(err) ? SSE_DONE : sseEvent(brokenStreamChunk(err)));
    });
    // Destroyed with neither an end nor an error: a premature close, a broken stream like any other.
    body.once('close', () => {
      if (!over) stop(sseEvent(brokenStreamChunk(null)));
    });
    // The client left (Fastify destroyed `out`): release the upstream at once.
    out.once('close', () => {
      over = true;
      if (!body.destroyed) body.destroy();
    });
    return out;
  }
}

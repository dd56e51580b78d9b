/**
 * Relaying an upstream body to a Fastify reply.
 *
 * - `clientAbortSignal(request, reply)` — re-exported from ./client-abort.ts, where it is documented.
 * - `relayStream(reply, res, { contentType, errorLine, headers })` — sends the upstream body chunk by
 *   chunk as it arrives (bytes untouched, backpressure respected: we only pull from the upstream when the
 *   client socket has room). If the upstream breaks midway, one final `errorLine(message)` is written so
 *   the client sees an error instead of a silently truncated reply. Returns the reply for `return`.
 * - `ndjsonErrorLine(message)` / `sseErrorLine(message)` — the two error-line shapes we use.
 */
import { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { isUpstreamTimeout, UpstreamError, type UpstreamResponse } from './upstreams.js';

export { clientAbortSignal } from './client-abort.js';

export const ndjsonErrorLine = (message: string) => JSON.stringify({ error: message }) + '\n';
export const sseErrorLine = (message: string) => `data: ${JSON.stringify({ error: { message } })}\n\n`;

export interface RelayOptions {
  contentType: string;
  errorLine: (message: string) => string;
  headers?: Record<string, string>;
  /** Called with the reason when the upstream body fails midway (for logging). */
  onBreak?: (err: unknown) => void;
  /** Bytes sent before the upstream's (e.g. the `sources` event of a RAG reply). */
  prefix?: string;
}

/**
 * A reply body fed by pushing to it while `source` is read. Once Fastify has piped it to the HTTP
 * response (after the onSend hooks and the headers) and nothing is left in its buffer, a push is
 * written to the response itself: the same `ServerResponse.write` the pipe would make, without a
 * Readable push, a 'data' event and a read-more tick per chunk in between (a translated chunk also
 * skips its string -> Buffer copy). Until then, and whenever piped to anything else, it is a plain
 * Readable. When the response is full `source` is paused, and resumed on 'drain' (or when the
 * Readable asks for more).
 */
export class PushedBody extends Readable {
  #res: ServerResponse | null = null;
  #waiting = false;

  constructor(private readonly source: Readable) {
    super({ highWaterMark: 16 * 1024 });
  }

  override _read(): void {
    if (this.source.isPaused()) this.source.resume();
  }

  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    const piped = super.pipe(destination, options);
    if (destination instanceof ServerResponse) this.#res = destination;
    return piped;
  }

  /** Writes `chunk` to the response when the Readable path has nothing in flight; false otherwise. */
  writeDirect(chunk: string | Buffer): boolean {
    const res = this.#res;
    if (!res || this.readableLength > 0 || !this.readableFlowing || res.writableEnded || res.destroyed) return false;
    if (!res.write(chunk) && !this.#waiting) {
      this.#waiting = true;
      this.source.pause();
      res.once('drain', () => {
        this.#waiting = false;
        if (!this.source.destroyed && this.source.isPaused()) this.source.resume();
      });
    }
    return true;
  }
}

export function pushedBody(source: Readable): PushedBody {
  return new PushedBody(source);
}

/** Pushes `text` (null ends it); pauses `source` when `out` is full. A no-op once `out` is destroyed. */
export function pushTo(out: Readable, source: Readable, text: string | Buffer | null): void {
  if (out.destroyed) return;
  if (text !== null && out instanceof PushedBody && out.writeDirect(text)) return;
  if (!out.push(text) && text !== null) source.pause();
}

/**
 * Upstream body -> reply body, chunk by chunk, with plain stream events: a token is one `data` event and
 * one push. (An async-generator relay cost several promise hops per token, a large share of a
 * stream's CPU when each chunk is one token.) The upstream is paused while the client socket is full.
 */
function relay(res: UpstreamResponse, opts: RelayOptions): Readable {
  const body = res.body;
  const out = pushedBody(body);
  if (opts.prefix) out.push(opts.prefix);
  let lastByte = 0x0a;
  let ended = false;
  const end = (tail?: Buffer) => {
    if (ended) return;
    ended = true;
    if (tail) pushTo(out, body, tail);
    pushTo(out, body, null);
  };
  body.on('data', (chunk: Buffer) => {
    if (out.destroyed) return;
    if (chunk.length) lastByte = chunk[chunk.length - 1]!;
    pushTo(out, body, chunk);
  });
  body.once('end', () => end());
  body.once('error', (err: unknown) => {
    if (out.destroyed) return;
    if ((err instanceof UpstreamError && err.kind === 'aborted') || (err as { name?: string })?.name === 'AbortError') {
      end();
      return;
    }
    opts.onBreak?.(err);
    const reason = isUpstreamTimeout(err) ? 'upstream timed out' : 'upstream connection lost';
    const message = `Stream interrupted: ${reason} before the response was complete`;
    end(Buffer.from((lastByte === 0x0a ? '' : '\n') + opts.errorLine(message)));
  });
  return out;
}

export function relayStream(reply: FastifyReply, res: UpstreamResponse, opts: RelayOptions): FastifyReply {
  const out = relay(res, opts);
  // If the client leaves, Fastify destroys `out`; make sure the upstream socket is released too.
  out.once('close', () => {
    if (!res.body.destroyed) res.body.destroy();
  });
  reply.status(res.status);
  reply.header('content-type', opts.contentType);
  reply.header('cache-control', 'no-cache');
  reply.header('x-accel-buffering', 'no');
  for (const [k, v] of Object.entries(opts.headers ?? {})) reply.header(k, v);
  return reply.send(out);
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AbortLike } from './upstreams.js';

/**
 * What `clientAbortSignal` (./stream-relay.ts) gives, for callers that only hand it to
 * `Upstreams#request`: fires once the client goes away before our reply has finished. An
 * AbortController (an EventTarget, its signal and the listener add/remove on it) cost ~7 us of CPU per
 * proxied request; this holds one listener in a field. Where a real AbortSignal is needed (fetch,
 * AbortSignal.any, the completion steps), use clientAbortSignal.
 */
class ClientGone implements AbortLike {
  aborted = false;
  reason: unknown = undefined;
  #listener: (() => void) | null = null;

  fire(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const l = this.#listener;
    this.#listener = null;
    l?.();
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    // Upstreams#request registers one listener per call; a second caller would need a list.
    if (this.#listener && this.#listener !== listener) throw new Error('ClientGone holds one listener');
    this.#listener = listener;
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    if (this.#listener === listener) this.#listener = null;
  }
}

export function clientAbort(request: FastifyRequest, reply: FastifyReply): AbortLike {
  const gone = new ClientGone();
  const socket = request.raw.socket;
  const onClose = () => {
    socket?.removeListener('close', onClose);
    // 'close' of the reply fires on normal completion too; writableFinished tells the two apart. The
    // request socket covers the time before we start replying (kept alive across requests, hence the removal).
    if (!reply.raw.writableFinished) gone.fire(new Error('client disconnected'));
  };
  reply.raw.once('close', onClose);
  socket?.once('close', onClose);
  return gone;
}

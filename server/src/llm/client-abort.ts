import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AbortLike } from './upstreams.js';

/**
 * What `clientAbortSignal` (below) gives, for callers that only hand it to
 * `Upstreams#request`: fires once the client goes away before our reply has finished. An
 * AbortController (an EventTarget, its signal and the listener add/remove on it) cost ~7-15 us of CPU
 * per proxied request; this keeps its listeners in an array. Where a real AbortSignal is needed (fetch,
 * AbortSignal.any, the completion steps), `signal` makes one at its first read, or use
 * clientAbortSignal.
 */
class ClientGone implements AbortLike {
  aborted = false;
  reason: unknown = undefined;
  // Usually one (the upstream call of this request); a chat's steps may make several calls in turn.
  #listeners: (() => void)[] = [];
  #controller: AbortController | null = null;

  fire(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const l of listeners) l();
    this.#controller?.abort(reason);
  }

  /** An AbortSignal that fires with this (already aborted if the client has gone). */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.aborted) this.#controller.abort(this.reason);
    }
    return this.#controller.signal;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.#listeners.includes(listener)) this.#listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const i = this.#listeners.indexOf(listener);
    if (i >= 0) this.#listeners.splice(i, 1);
  }
}

/**
 * Calls `gone(reason)` once if the client goes away before our reply has finished. The reply's 'close'
 * fires on normal completion too; writableFinished tells the two apart. The request socket covers the
 * time before we start replying (it is kept alive across requests, hence the listener's removal).
 */
function onClientGone(request: FastifyRequest, reply: FastifyReply, gone: (reason: Error) => void): void {
  const socket = request.raw.socket;
  const onClose = () => {
    socket?.removeListener('close', onClose);
    if (!reply.raw.writableFinished) gone(new Error('client disconnected'));
  };
  reply.raw.once('close', onClose);
  socket?.once('close', onClose);
}

export function clientAbort(request: FastifyRequest, reply: FastifyReply): AbortLike & { readonly signal: AbortSignal } {
  const gone = new ClientGone();
  onClientGone(request, reply, (reason) => gone.fire(reason));
  return gone;
}

/**
 * An AbortSignal that fires the moment the client goes away (socket closed before our reply finished).
 * Pass it as `UpstreamRequest.signal` so the upstream generation stops at once instead of running to the
 * end for nobody.
 */
export function clientAbortSignal(request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  onClientGone(request, reply, (reason) => controller.abort(reason));
  return controller.signal;
}

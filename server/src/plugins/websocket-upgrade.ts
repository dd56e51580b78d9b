import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { ERROR_MESSAGES } from '../errors/messages.js';

export const SOCKET_IO_PATH = '/ws/socket.io';

/**
 * True for a websocket-transport request to Socket.IO that arrives without `Upgrade: websocket` and
 * `Connection: upgrade` — what a reverse proxy that drops the hop-by-hop headers produces. Answering
 * with a clear 400 (like the original) beats a silent hang in the browser. Exported so the Socket.IO
 * server can apply the same rule in `allowRequest` when it owns the path.
 */
export function isInvalidWebsocketUpgrade(req: Pick<IncomingMessage, 'url' | 'headers'>): boolean {
  const url = req.url ?? '';
  if (!url.startsWith(SOCKET_IO_PATH)) return false;
  const q = url.indexOf('?');
  if (q === -1 || new URLSearchParams(url.slice(q + 1)).get('transport') !== 'websocket') return false;
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  const connection = String(req.headers.connection ?? '').toLowerCase();
  return upgrade !== 'websocket' || !connection.split(',').some((t) => t.trim() === 'upgrade');
}

/**
 * Socket.IO (engine.io) takes over the server's 'request' listeners when it attaches and answers a
 * stripped upgrade with its own terse 400 before any `allowRequest` runs. Call this right after the
 * Socket.IO server is created: it puts the check in front so the client gets the original's message.
 */
export function guardWebsocketUpgrade(server: Server): void {
  const listeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (isInvalidWebsocketUpgrade(req)) {
      const body = JSON.stringify({ detail: ERROR_MESSAGES.INVALID_WEBSOCKET_UPGRADE });
      res.writeHead(400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    for (const l of listeners) l.call(server, req, res);
  });
}

import { io as connect, type Socket } from 'socket.io-client';

/**
 * A Socket.IO client on the server's path over WebSocket, connected and joined (`user-join` acked) as
 * the original UI does before it asks for a reply. `auth` extra fields: e.g. `{ events: 'events' }`.
 */
export async function joinedSocket(url: string, token: string, auth: Record<string, unknown> = {}): Promise<Socket> {
  const so = connect(url, { path: '/ws/socket.io', transports: ['websocket'], auth: { token, ...auth }, reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    so.once('connect', () => resolve());
    so.once('connect_error', reject);
  });
  await new Promise<void>((r) => so.emit('user-join', { auth: { token } }, () => r()));
  return so;
}

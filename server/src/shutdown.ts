import type { FastifyInstance } from 'fastify';

/**
 * Stops accepting connections, lets in-flight requests finish, then closes the app (its onClose hooks
 * close the database and other services). Resolves 'timeout' when `timeoutMs` passes first, so the
 * caller can exit rather than hang on a stream that never ends.
 */
export async function gracefulClose(app: FastifyInstance, closeContext: () => Promise<void>, timeoutMs: number): Promise<'closed' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    timer.unref();
  });
  // Keep-alive connections that finish their last request after close() began would hold the server
  // open until the client hangs up; close them as soon as they go idle.
  const reaper = setInterval(() => app.server.closeIdleConnections(), 50);
  reaper.unref();
  const closed = (async () => {
    await app.close();
    await closeContext();
    return 'closed' as const;
  })();
  try {
    return await Promise.race([closed, timeout]);
  } finally {
    clearTimeout(timer);
    clearInterval(reaper);
  }
}

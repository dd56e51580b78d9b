import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';

const TYPES = new Map([
  ['.png', 'image/png'],
  ['.jpg', 'image/jpeg'],
  ['.jpeg', 'image/jpeg'],
  ['.svg', 'image/svg+xml'],
  ['.ico', 'image/x-icon'],
  ['.webp', 'image/webp'],
  ['.css', 'text/css; charset=utf-8'],
  ['.js', 'text/javascript; charset=utf-8'],
  ['.json', 'application/json; charset=utf-8'],
  ['.txt', 'text/plain; charset=utf-8'],
  ['.woff2', 'font/woff2'],
]);

/**
 * `/static/*` like the original's StaticFiles mount on STATIC_DIR: an admin's own favicon.png,
 * splash.png or custom.css placed there wins; otherwise the built-in defaults answer. `/favicon.png`
 * and `/user.png` at the root are served the same way, because the original's UI links them there.
 */
export async function staticRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const root = path.resolve(ctx.config.paths.staticDir);
  const pub = { config: { auth: 'public' as const } };

  const serve = async (rel: string, reply: import('fastify').FastifyReply) => {
    const file = path.resolve(root, rel);
    // Path traversal (../, absolute paths, encoded dots) stays inside STATIC_DIR.
    if (rel && (file === root || file.startsWith(root + path.sep))) {
      const stat = await fs.promises.stat(file).catch(() => null);
      if (stat?.isFile()) {
        reply.header('content-type', TYPES.get(path.extname(file).toLowerCase()) ?? 'application/octet-stream');
        reply.header('content-length', stat.size);
        reply.header('cache-control', 'public, max-age=3600');
        return reply.send(fs.createReadStream(file));
      }
    }
    // Drawn at the first request for one (with node:zlib), not with the server.
    const asset = (await import('./default-assets.js')).defaultAssets().get(rel);
    if (!asset) return reply.status(404).send({ detail: 'Not Found' });
    return reply.header('content-type', asset.type).header('cache-control', 'public, max-age=3600').send(asset.body);
  };

  app.get('/static/*', pub, async (request, reply) => {
    let rel: string;
    try {
      rel = decodeURIComponent((request.params as { '*': string })['*'] ?? '');
    } catch {
      return reply.status(400).send({ detail: 'Invalid URL' });
    }
    if (rel.includes('\0')) return reply.status(400).send({ detail: 'Invalid URL' });
    return serve(rel, reply);
  });
  for (const name of ['favicon.png', 'user.png']) app.get(`/${name}`, pub, async (_request, reply) => serve(name, reply));
}

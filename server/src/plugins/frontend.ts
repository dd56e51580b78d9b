import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

// Paths that belong to the API: an unknown one is a JSON 404, never the SPA's index.html.
const API_PREFIXES = ['/api/', '/ollama/', '/openai/', '/ws/', '/health', '/ready', '/static/'];

/** A regular file; any other answer (missing, name too long, not a directory on the way...) is "no". */
function isFile(file: string): boolean {
  try {
    return fs.statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false;
  }
}

/**
 * Serves the built SvelteKit SPA from FRONTEND_BUILD_DIR with client-side-routing fallback, or, when
 * the build is missing, keeps serving the API and answers `/` with a note on how to build the UI.
 */
export async function registerFrontend(app: FastifyInstance, buildDir: string): Promise<void> {
  const index = path.join(buildDir, 'index.html');
  if (!fs.existsSync(index)) {
    app.log.warn(`Frontend build directory not found at '${buildDir}'. Serving API only.`);
    app.get('/', { config: { auth: 'public' } }, async () => ({
      status: true,
      detail: `The web UI is not built, so this server is serving the API only. Build it with "npm run build" (or set FRONTEND_BUILD_DIR to a built UI) and restart.`,
      frontend_build_dir: buildDir,
    }));
    return;
  }

  await app.register(fastifyStatic, { root: buildDir, serve: false });

  app.get('/*', { config: { auth: 'public' } }, async (request, reply) => {
    let urlPath: string;
    try {
      urlPath = decodeURIComponent(request.url.split('?')[0]!);
    } catch {
      // A malformed %-escape is the client's mistake, not a 500.
      return reply.status(400).send({ detail: 'Invalid URL' });
    }
    // NUL cannot be part of a file name (and made fs throw): a client error, not a 500.
    if (urlPath.includes('\0')) return reply.status(400).send({ detail: 'Invalid URL' });
    if (API_PREFIXES.some((p) => urlPath.startsWith(p))) return reply.status(404).send({ detail: 'Not Found' });
    // Longer than any file system allows for one name: neither a file nor a route of the UI.
    if (urlPath.split('/').some((seg) => Buffer.byteLength(seg) > 255)) return reply.status(404).send({ detail: 'Not Found' });
    const rel = path.normalize(urlPath).replace(/^(\.\.[/\\])+/, '').replace(/^\/+/, '');
    const file = path.join(buildDir, rel);
    if (rel && file.startsWith(buildDir) && isFile(file)) {
      // Hashed bundles never change; everything else must be revalidated so an upgrade is picked up.
      const immutable = rel.startsWith('_app/immutable/');
      return reply.sendFile(rel, { cacheControl: true, maxAge: immutable ? 31536000000 : 0, immutable });
    }
    if (urlPath.endsWith('.js')) return reply.status(404).send({ detail: 'Not Found' });
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html', { cacheControl: false });
  });
}

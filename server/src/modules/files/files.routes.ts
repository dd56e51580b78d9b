import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { FileContentUpdateForm } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { currentUser } from '../../plugins/auth-guard.js';
import type { ZodTypeProvider } from '../../plugins/zod.js';
import { processFileJob } from '../../rag/pipeline.js';
import { RagRuntime } from '../../rag/runtime.js';
import { UsersRepository } from '../users/users.repository.js';
import { FilesService, fileModel, type StoredUpload } from './files.service.js';
import { contentDisposition, globMatch, isActiveContent, safeContentType } from './content-disposition.js';
import type { Json } from './files.repository.js';

const IdParams = z.object({ id: z.string().min(1).max(200) });
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const UploadQuery = z.object({ process: bool.default(true), process_in_background: bool.default(true) });
const STATUS_POLL_MS = 500;
const STATUS_MAX_MS = 2 * 3600 * 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The status stream the original UI reads: one `data: {status}` event per poll until done. */
async function* statusEvents(rt: RagRuntime, id: string, signal: AbortSignal): AsyncGenerator<string> {
  const until = Date.now() + STATUS_MAX_MS;
  let last = '';
  while (!signal.aborted && Date.now() < until) {
    const row = await rt.files.get(id);
    if (!row) {
      yield `data: ${JSON.stringify({ status: 'not_found' })}\n\n`;
      return;
    }
    const status = row.data.status as string | undefined;
    if (!status) return;
    const event: Json = { status };
    if (status === 'failed') event.error = row.data.error;
    if (row.data.progress) event.progress = row.data.progress;
    const line = `data: ${JSON.stringify(event)}\n\n`;
    if (line !== last || status === 'completed' || status === 'failed') yield line;
    last = line;
    if (status === 'completed' || status === 'failed') return;
    await sleep(STATUS_POLL_MS);
  }
}

async function readUpload(request: FastifyRequest, svc: FilesService, process: boolean): Promise<{ stored: StoredUpload; metadata: Json }> {
  if (!request.isMultipart()) throw new ApiError(422, [{ type: 'missing', loc: ['body', 'file'], msg: 'Field required', input: null }]);
  const user = currentUser(request);
  let stored: StoredUpload | null = null;
  let metadataRaw: unknown = null;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || stored) {
          part.file.resume();
          continue;
        }
        stored = await svc.store(user, { stream: part.file, filename: part.filename || 'file', contentType: part.mimetype || '', process });
      } else if (part.fieldname === 'metadata') {
        metadataRaw = part.value;
      }
    }
  } catch (err) {
    if (stored) await RagRuntime.for(request.server.ctx).storage.delete(stored.path);
    if (err instanceof ApiError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new ApiError(413, ERROR_MESSAGES.DEFAULT('File size exceeds the limit'));
    throw new ApiError(400, ERROR_MESSAGES.DEFAULT('Error uploading file'));
  }
  if (!stored) throw new ApiError(422, [{ type: 'missing', loc: ['body', 'file'], msg: 'Field required', input: null }]);
  let metadata: Json = {};
  if (typeof metadataRaw === 'string' && metadataRaw !== '') {
    try {
      const parsed: unknown = JSON.parse(metadataRaw);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) metadata = parsed as Json;
    } catch {
      await RagRuntime.for(request.server.ctx).storage.delete(stored.path);
      throw new ApiError(400, ERROR_MESSAGES.DEFAULT('Invalid metadata format'));
    }
  }
  return { stored, metadata };
}

async function sendContent(rt: RagRuntime, svc: FilesService, request: FastifyRequest, reply: FastifyReply, id: string, attachment: boolean) {
  const row = await svc.readable(id, currentUser(request));
  const abs = rt.storage.resolve(row.path);
  if (!abs) throw new ApiError(404, ERROR_MESSAGES.NOT_FOUND);
  const type = safeContentType(row.meta.content_type);
  // Active content (HTML, SVG, XML) from users is never rendered on our origin.
  const forceDownload = attachment || isActiveContent(type);
  return reply
    .header('content-type', forceDownload && isActiveContent(type) ? 'application/octet-stream' : type)
    .header('content-disposition', contentDisposition(row.filename, forceDownload))
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "sandbox; default-src 'none'")
    .send(createReadStream(abs));
}

/** `/api/v1/files/*`: upload, list, get, content, extracted text, status, delete. */
export async function filesRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const rt = RagRuntime.for(ctx);
  const svc = new FilesService(rt);
  const users = new UsersRepository(ctx.db);
  root.addHook('onClose', async () => rt.close());
  await rt.start();

  await root.register(async (scope) => {
    // Only this scope parses multipart; the cap is the hard one (the admin's limit is checked while streaming).
    await scope.register(fastifyMultipart, {
      limits: { fileSize: ctx.config.rag.uploadHardCapBytes + 1, files: 1, fields: 10, fieldSize: 1024 * 1024, parts: 20 },
      throwFileSizeLimit: true,
    });
    const app = scope.withTypeProvider<ZodTypeProvider>();
    app.post('/api/v1/files/', { config: { auth: 'verified' }, schema: { querystring: UploadQuery } }, async (request) => {
      const { stored, metadata } = await readUpload(request, svc, request.query.process);
      const row = await svc.commit(currentUser(request), stored, metadata, request.query.process);
      if (request.query.process && !request.query.process_in_background) await waitForProcessing(rt, row.id, 600_000);
      const fresh = (await rt.files.get(row.id)) ?? row;
      return request.query.process ? { status: true, ...fileModel(fresh) } : fileModel(fresh);
    });
  });

  const app = root.withTypeProvider<ZodTypeProvider>();

  app.get('/api/v1/files/', { config: { auth: 'verified' }, schema: { querystring: z.object({ content: bool.default(true) }) } }, async (request) => {
    const user = currentUser(request);
    const rows = await rt.files.list(user.role === 'admin' ? undefined : user.id);
    return rows.map((r) => fileModel(r, request.query.content));
  });

  app.get('/api/v1/files/search', { config: { auth: 'verified' }, schema: { querystring: z.object({ filename: z.string().max(500), content: bool.default(true) }) } }, async (request) => {
    const user = currentUser(request);
    const rows = (await rt.files.list(user.role === 'admin' ? undefined : user.id)).filter((r) => globMatch(request.query.filename, r.filename));
    if (!rows.length) throw new ApiError(404, 'No files found matching the pattern.');
    return rows.map((r) => fileModel(r, request.query.content));
  });

  app.delete('/api/v1/files/all', { config: { auth: 'admin' } }, async () => {
    await svc.deleteAll();
    return { message: 'All files deleted successfully' };
  });

  app.get('/api/v1/files/:id', { config: { auth: 'verified' }, schema: { params: IdParams } }, async (request) => fileModel(await svc.readable(request.params.id, currentUser(request))));

  app.get(
    '/api/v1/files/:id/process/status',
    { config: { auth: 'verified' }, schema: { params: IdParams, querystring: z.object({ stream: bool.default(false) }) } },
    async (request, reply) => {
      const row = await svc.readable(request.params.id, currentUser(request));
      if (!request.query.stream) return { status: row.data.status ?? 'pending' };
      const abort = new AbortController();
      request.raw.once('close', () => abort.abort());
      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('x-accel-buffering', 'no')
        .send(Readable.from(statusEvents(rt, row.id, abort.signal)));
    },
  );

  app.get('/api/v1/files/:id/data/content', { config: { auth: 'verified' }, schema: { params: IdParams } }, async (request) => {
    const row = await svc.readable(request.params.id, currentUser(request));
    return { content: typeof row.data.content === 'string' ? row.data.content : '' };
  });

  app.post('/api/v1/files/:id/data/content/update', { config: { auth: 'verified' }, schema: { params: IdParams, body: FileContentUpdateForm } }, async (request) => {
    const row = await svc.writable(request.params.id, currentUser(request));
    await processFileJob(rt, { fileId: row.id, userId: row.user_id, content: request.body.content });
    const fresh = (await rt.files.get(row.id))!;
    if (fresh.data.status === 'failed') throw new ApiError(400, ERROR_MESSAGES.DEFAULT(String(fresh.data.error ?? 'Error processing file')));
    return fileModel(fresh);
  });

  for (const url of ['/api/v1/files/:id/content', '/api/v1/files/:id/content/:file_name']) {
    app.get(url, { config: { auth: 'verified' }, schema: { params: IdParams.extend({ file_name: z.string().optional() }), querystring: z.object({ attachment: bool.default(false) }) } }, async (request, reply) =>
      sendContent(rt, svc, request, reply, request.params.id, request.query.attachment),
    );
  }

  // HTML files an admin's tool or upload made, which the original UI shows in a sandboxed iframe. Only
  // files owned by an admin are served as HTML (as the original); our CSP sandbox also keeps them in an
  // opaque origin when opened directly, so their scripts never reach this origin's cookies or storage.
  app.get('/api/v1/files/:id/content/html', { config: { auth: 'verified' }, schema: { params: IdParams } }, async (request, reply) => {
    const row = await svc.readable(request.params.id, currentUser(request));
    const owner = await users.findById(row.user_id);
    const abs = owner?.role === 'admin' ? rt.storage.resolve(row.path) : null;
    if (!abs || !(await stat(abs).catch(() => null))?.isFile()) throw new ApiError(404, ERROR_MESSAGES.NOT_FOUND);
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', 'sandbox allow-scripts allow-downloads')
      .send(createReadStream(abs));
  });

  app.delete('/api/v1/files/:id', { config: { auth: 'verified' }, schema: { params: IdParams } }, async (request) => {
    const row = await svc.writable(request.params.id, currentUser(request));
    await svc.delete(row);
    return { message: 'File deleted successfully' };
  });
}

/** Waits until a file's processing ends (completed or failed) or the time runs out. */
export async function waitForProcessing(rt: RagRuntime, id: string, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const row = await rt.files.get(id);
    const status = String(row?.data.status ?? 'missing');
    if (status !== 'pending' || Date.now() > until) return status;
    await sleep(200);
  }
}

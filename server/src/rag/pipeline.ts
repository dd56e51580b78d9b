import { ERROR_MESSAGES } from '../errors/messages.js';
import { embedAll, embeddingsEnabled } from './embed/embedder.js';
import type { ExtractResult } from './extract/pool.js';
import type { RagRuntime } from './runtime.js';
import { ragSettings } from './settings.js';
import type { ChunkInput } from './vector/vector-store.js';

export const PROCESS_FILE_JOB = 'process-file';

export interface ProcessFileJob {
  fileId: string;
  userId: string;
  /** Text to use instead of extracting the stored file (`data/content/update`, `process/file` with content). */
  content?: string;
  /** Also index into this collection (a knowledge base id). */
  collection?: string;
}

const fileCollection = (fileId: string) => `file-${fileId}`;

function extOf(name: string): string {
  const i = name.lastIndexOf('.');
  return i > 0 ? name.slice(i + 1).toLowerCase() : '';
}

/**
 * Extract -> chunk -> embed -> index for one file, recording progress and the outcome in `file.data`
 * (`status` pending/completed/failed, `error`, `content`) the way the original does, so its UI's
 * status stream and polling work unchanged. Never throws for a bad document: the file is kept and
 * marked `failed` with the reason. Idempotent (a re-run replaces the file's chunks), as job retries
 * and multi-instance recovery require.
 */
export async function processFileJob(rt: RagRuntime, job: ProcessFileJob): Promise<void> {
  const file = await rt.files.get(job.fileId);
  if (!file) return;
  const settings = ragSettings(rt.ctx);
  const progress = async (stage: string, done?: number, total?: number) =>
    rt.files.updateData(file.id, { status: 'pending', progress: { stage, ...(total !== undefined ? { done, total } : {}) } });
  try {
    await progress('extracting');
    let result: ExtractResult;
    if (job.content !== undefined) {
      result = await rt.pool.split(job.content, settings.split);
    } else {
      const path = rt.storage.resolve(file.path);
      if (!path) throw new Error('The stored file is missing');
      result = await rt.pool.extract(path, extOf(file.filename), String(file.meta.content_type ?? ''), settings.split);
    }
    if (!result.text.trim()) throw new Error(ERROR_MESSAGES.EMPTY_CONTENT);

    const collection = fileCollection(file.id);
    if (!settings.bypass) {
      const meta = {
        file_id: file.id,
        name: file.filename,
        source: file.filename,
        created_by: file.user_id,
        content_type: file.meta.content_type ?? null,
        hash: result.hash,
      };
      let vectors: number[][] | null = null;
      if (embeddingsEnabled(settings.embedding)) {
        await progress('embedding', 0, result.chunks.length);
        let last = Date.now();
        vectors = await embedAll(
          settings.embedding,
          result.chunks.map((c) => c.text),
          {
            onProgress: (done) => {
              // At most a write every half second, however many batches finish.
              if (Date.now() - last < 500) return;
              last = Date.now();
              void progress('embedding', done, result.chunks.length);
            },
          },
        );
      }
      await progress('indexing');
      const chunks: ChunkInput[] = result.chunks.map((c, i) => ({
        id: `${file.id}-${i}`,
        text: c.text,
        vector: vectors?.[i] ?? null,
        metadata: { ...meta, start_index: c.start, ...(c.page !== undefined ? { page: c.page } : {}) },
      }));
      const store = await rt.store();
      await store.deleteCollection(collection);
      await store.upsert(collection, chunks);
      if (job.collection) {
        await store.deleteFile(job.collection, file.id);
        await store.upsert(job.collection, chunks);
      }
    }
    await rt.files.updateData(
      file.id,
      { status: 'completed', content: result.text, progress: undefined, error: undefined },
      { hash: result.hash, meta: { collection_name: collection } },
    );
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    rt.ctx.log.info({ fileId: file.id, reason }, 'file processing failed');
    await rt.files.updateData(file.id, { status: 'failed', error: reason, progress: undefined });
  }
}

/**
 * `process/text`: chunks, embeds and indexes a text under a collection of its own (no file row).
 * Throws on failure; the caller answers with the reason.
 */
export async function indexText(rt: RagRuntime, collection: string, name: string, content: string, userId: string): Promise<void> {
  const settings = ragSettings(rt.ctx);
  const result = await rt.pool.split(content, settings.split);
  if (!result.text.trim()) throw new Error(ERROR_MESSAGES.EMPTY_CONTENT);
  const vectors = embeddingsEnabled(settings.embedding) ? await embedAll(settings.embedding, result.chunks.map((c) => c.text)) : null;
  const store = await rt.store();
  await store.deleteCollection(collection);
  await store.upsert(
    collection,
    result.chunks.map((c, i) => ({
      id: `${result.hash.slice(0, 16)}-${i}`,
      text: c.text,
      vector: vectors?.[i] ?? null,
      metadata: { name, source: name, created_by: userId, start_index: c.start, hash: result.hash },
    })),
  );
}

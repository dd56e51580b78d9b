import { perContext, type AppContext } from '../context.js';
import { DeferredQueue } from '../jobs/deferred-queue.js';
import { InProcessQueue, type JobQueue } from '../jobs/job-queue.js';
import { FilesRepository } from '../modules/files/files.repository.js';
import { KnowledgeRepository } from '../modules/knowledge/knowledge.repository.js';
import { LocalStorage } from '../storage/local-storage.js';
import { ExtractionPool } from './extract/pool.js';
import { processFileJob, PROCESS_FILE_JOB, type ProcessFileJob } from './pipeline.js';
import type { VectorStore } from './vector/vector-store.js';

/**
 * Everything the documents feature shares per app context: upload storage, the extraction workers, the
 * vector store (opened on first use), the job queue and the two repositories. Built once per context;
 * `close()` runs on app close.
 */
export class RagRuntime {
  readonly storage: LocalStorage;
  readonly pool: ExtractionPool;
  readonly files: FilesRepository;
  readonly knowledge: KnowledgeRepository;
  readonly queue: JobQueue;
  #store: Promise<VectorStore> | null = null;
  #started = false;

  constructor(readonly ctx: AppContext) {
    this.storage = new LocalStorage(ctx.config.paths.dataDir);
    this.pool = new ExtractionPool();
    this.files = new FilesRepository(ctx.db);
    this.knowledge = new KnowledgeRepository(ctx.db);
    const onError = (name: string, err: unknown) => ctx.log.warn({ job: name, err: (err as Error)?.message ?? String(err) }, 'background job failed');
    const concurrency = ctx.config.rag.processingConcurrency;
    // BullMQ (and the ioredis it brings from node_modules) is imported only with REDIS_URL.
    const redisUrl = ctx.config.redis.url;
    this.queue = redisUrl
      ? new DeferredQueue(async () => new (await import('../jobs/bullmq-queue.js')).BullMqQueue(redisUrl, ctx.config.redis.keyPrefix, concurrency, onError))
      : new InProcessQueue(concurrency, onError);
    this.queue.define(PROCESS_FILE_JOB, (data) => processFileJob(this, data as unknown as ProcessFileJob));
  }

  static for(ctx: AppContext): RagRuntime {
    return perContext(ctx, RagRuntime);
  }

  store(): Promise<VectorStore> {
    this.#store ??= (async () => {
      if (this.ctx.config.rag.vectorDb === 'pgvector') {
        const { PgVectorStore } = await import('./vector/pgvector-store.js');
        return PgVectorStore.open(this.ctx.config.rag.pgvectorUrl);
      }
      // sqlite-vec is imported at the first query or index, not at start.
      const { SqliteVectorStore } = await import('./vector/sqlite-store.js');
      return new SqliteVectorStore(this.ctx.config.paths.dataDir, { indexCacheBytes: this.ctx.config.rag.vectorIndexCacheMb * 1024 * 1024 });
    })();
    return this.#store;
  }

  /** Queues the processing of a file (extract, chunk, embed, index) in the background. */
  async enqueueProcessing(job: ProcessFileJob): Promise<void> {
    await this.queue.enqueue(PROCESS_FILE_JOB, job as unknown as Record<string, unknown>, { jobId: job.collection ? undefined : job.fileId });
  }

  /**
   * Files still `pending` from before a stop are queued again. Without Redis that is the only copy of
   * the queue; with BullMQ the jobs survive in Redis, so only pending files that already hold their
   * text are queued (an adopted Open WebUI volume's files: no job exists for them anywhere; a job
   * that does exist keeps the same id, which BullMQ does not add twice). Text held is indexed as it
   * is: the original's uploads need not be readable here.
   */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const redis = Boolean(this.ctx.config.redis.url);
    for (const f of await this.files.pending()) {
      if (redis && f.content === null) continue;
      await this.enqueueProcessing({ fileId: f.id, userId: '', ...(f.content !== null ? { content: f.content } : {}) });
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.pool.close();
    if (this.#store) await (await this.#store).close();
  }
}

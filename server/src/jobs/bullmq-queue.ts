import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { JobHandler, JobQueue } from './job-queue.js';

/**
 * Jobs on Redis with BullMQ (REDIS_URL set): every instance runs a worker on one shared queue, so any
 * instance takes the next job; a job whose instance dies mid-way is found stalled by another worker and
 * run again (`maxStalledCount`), and failed attempts retry with backoff. Handlers must therefore be
 * idempotent (document processing is: it replaces the file's chunks).
 */
export class BullMqQueue implements JobQueue {
  #handlers = new Map<string, JobHandler>();
  #queue: Queue;
  #worker: Worker;

  constructor(redisUrl: string, prefix: string, concurrency: number, onError: (name: string, err: unknown) => void) {
    const url = new URL(redisUrl);
    const connection: ConnectionOptions = {
      host: url.hostname,
      port: Number(url.port || 6379),
      username: url.username || undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
      tls: url.protocol === 'rediss:' ? {} : undefined,
      maxRetriesPerRequest: null,
    };
    const name = 'jobs';
    const opts = { connection, prefix: `${prefix}:bull` };
    this.#queue = new Queue(name, opts);
    this.#worker = new Worker(
      name,
      async (job) => {
        const handler = this.#handlers.get(job.name);
        if (!handler) throw new Error(`No handler for job ${job.name}`);
        await handler(job.data as Record<string, unknown>);
      },
      { ...opts, concurrency, maxStalledCount: 3, stalledInterval: 30_000 },
    );
    this.#worker.on('failed', (job, err) => onError(job?.name ?? '?', err));
    this.#worker.on('error', (err) => onError('worker', err));
  }

  define(name: string, handler: JobHandler): void {
    this.#handlers.set(name, handler);
  }

  // No de-duplication by id here: a BullMQ id stays taken while a failed job is kept for inspection,
  // which would block a retry; handlers are idempotent instead.
  async enqueue(name: string, data: Record<string, unknown>): Promise<void> {
    await this.#queue.add(name, data, {
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: true,
      removeOnFail: 1000,
    });
  }

  async pause(): Promise<void> {
    await this.#worker.pause(true);
  }

  async close(): Promise<void> {
    await this.#worker.close();
    await this.#queue.close();
  }
}

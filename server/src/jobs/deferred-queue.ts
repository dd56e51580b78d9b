import type { JobHandler, JobQueue } from './job-queue.js';

/**
 * A JobQueue whose real queue is still being created (BullMQ is imported only when REDIS_URL is set,
 * so a start without Redis never loads it). Handlers defined before it is ready are passed on once it
 * is; every other call waits for it.
 */
export class DeferredQueue implements JobQueue {
  #ready: Promise<JobQueue>;

  constructor(create: () => Promise<JobQueue>) {
    this.#ready = create();
    this.#ready.catch(() => undefined); // surfaced by the first call that needs the queue
  }

  define(name: string, handler: JobHandler): void {
    void this.#ready.then((q) => q.define(name, handler), () => undefined);
  }

  async enqueue(name: string, data: Record<string, unknown>, opts?: { jobId?: string }): Promise<void> {
    await (await this.#ready).enqueue(name, data, opts);
  }

  async pause(): Promise<void> {
    await (await this.#ready).pause();
  }

  async close(): Promise<void> {
    await (await this.#ready.catch(() => null))?.close();
  }
}

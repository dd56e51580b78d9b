/**
 * Background work shared by features (document processing now; imports and others later). A job has a
 * name, JSON data and an optional id (a second enqueue with the same id while the first is waiting is
 * dropped). Handlers are defined once per name at start-up; every instance defines the same ones, so
 * with Redis any instance may run any job.
 */
export type JobHandler = (data: Record<string, unknown>) => Promise<void>;

export interface JobQueue {
  define(name: string, handler: JobHandler): void;
  enqueue(name: string, data: Record<string, unknown>, opts?: { jobId?: string }): Promise<void>;
  /** Stops taking new jobs here (running ones finish); queued jobs wait for another worker or a resume. */
  pause(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The default: jobs run in this process, at most `concurrency` at once, the rest wait in order. Work
 * that was queued when the process stopped is found again by its owner (documents left `pending` are
 * re-queued at start-up by the RAG runtime), so a restart does not lose it.
 */
export class InProcessQueue implements JobQueue {
  #handlers = new Map<string, JobHandler>();
  #waiting: { name: string; data: Record<string, unknown>; jobId?: string }[] = [];
  #ids = new Set<string>();
  #running = 0;
  #idle: (() => void)[] = [];
  #closed = false;
  #paused = false;

  constructor(
    private readonly concurrency: number,
    private readonly onError: (name: string, err: unknown) => void = () => {},
  ) {}

  define(name: string, handler: JobHandler): void {
    this.#handlers.set(name, handler);
  }

  async enqueue(name: string, data: Record<string, unknown>, opts: { jobId?: string } = {}): Promise<void> {
    if (this.#closed) return;
    if (opts.jobId) {
      if (this.#ids.has(opts.jobId)) return;
      this.#ids.add(opts.jobId);
    }
    this.#waiting.push({ name, data, jobId: opts.jobId });
    this.#pump();
  }

  #pump(): void {
    while (this.#running < this.concurrency && this.#waiting.length && !this.#closed && !this.#paused) {
      const job = this.#waiting.shift()!;
      if (job.jobId) this.#ids.delete(job.jobId);
      const handler = this.#handlers.get(job.name);
      this.#running++;
      void (async () => {
        try {
          if (!handler) throw new Error(`No handler for job ${job.name}`);
          await handler(job.data);
        } catch (err) {
          this.onError(job.name, err);
        } finally {
          this.#running--;
          this.#pump();
          if (this.#running === 0 && this.#waiting.length === 0) for (const f of this.#idle.splice(0)) f();
        }
      })();
    }
  }

  async pause(): Promise<void> {
    this.#paused = true;
  }

  /** Resolves when nothing is running or waiting (tests, graceful shutdown). */
  idle(): Promise<void> {
    if (this.#running === 0 && this.#waiting.length === 0) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#waiting = [];
    if (this.#running) await Promise.race([this.idle(), new Promise((r) => setTimeout(r, 5000).unref())]);
  }
}

import { Worker } from 'node:worker_threads';

export interface KnnHit {
  rowid: number;
  score: number;
}

interface Pending {
  resolve: (hits: KnnHit[]) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

const WORKER_URL = new URL('./knn-worker.mjs', import.meta.url);
const TIMEOUT_MS = 30_000;

/**
 * The main thread's handle on the vector worker (knn-worker.mjs): one worker per store, started on the
 * first vector search, queried by message. Searches queue in the worker in order; each is bounded by
 * a timeout. A worker that crashes or times out fails the searches in flight and is replaced on the
 * next one (its cache is rebuilt from the file, which holds everything).
 */
export class KnnClient {
  #worker: Worker | null = null;
  #pending = new Map<number, Pending>();
  #seq = 0;
  #closed = false;

  constructor(
    private readonly dbPath: string,
    private readonly cacheBytes: number,
  ) {}

  search(collections: string[], vector: Float32Array, k: number, candidates: number): Promise<KnnHit[]> {
    if (this.#closed) return Promise.reject(new Error('The vector store is closed'));
    const worker = this.#spawn();
    const id = ++this.#seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#fail(worker, `Vector search timed out after ${TIMEOUT_MS / 1000} s`), TIMEOUT_MS);
      this.#pending.set(id, { resolve, reject, timer });
      worker.postMessage({ id, collections, vector, k, candidates });
    });
  }

  #spawn(): Worker {
    if (this.#worker) return this.#worker;
    // Typed arrays (the bit arrays) live outside the V8 heap; the cap on them is cacheBytes.
    const worker = new Worker(WORKER_URL, { workerData: { dbPath: this.dbPath, cacheBytes: this.cacheBytes }, resourceLimits: { maxOldGenerationSizeMb: 256 } });
    worker.unref();
    worker.on('message', (m: { id: number; ok: boolean; hits?: KnnHit[]; error?: string }) => {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.hits ?? []);
      else p.reject(new Error(`Vector search failed: ${m.error ?? 'unknown error'}`));
    });
    worker.on('error', (err) => this.#fail(worker, `Vector search failed: ${err.message}`));
    worker.on('exit', () => this.#fail(worker, 'Vector search failed: the worker stopped'));
    this.#worker = worker;
    return worker;
  }

  #fail(worker: Worker, reason: string): void {
    if (this.#worker !== worker) return;
    this.#worker = null;
    worker.removeAllListeners('exit');
    void worker.terminate();
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(reason));
    }
    this.#pending.clear();
  }

  async close(): Promise<void> {
    this.#closed = true;
    const w = this.#worker;
    if (w) {
      this.#fail(w, 'The vector store is closed');
      await w.terminate();
    }
  }
}

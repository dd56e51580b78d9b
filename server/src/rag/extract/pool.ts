import { Worker } from 'node:worker_threads';
import os from 'node:os';

export interface SplitOptions {
  size: number;
  overlap: number;
  splitter: string;
}

export interface TextChunk {
  text: string;
  /** Character offset in the whole text (the original's `start_index`). */
  start: number;
  /** 0-based page, for PDFs. */
  page?: number;
}

export interface ExtractResult {
  text: string;
  /** sha256 of the text (the `hash` column). */
  hash: string;
  chunks: TextChunk[];
}

export class ExtractionError extends Error {}

type Task = { msg: Record<string, unknown>; resolve: (r: ExtractResult) => void; reject: (e: Error) => void };

interface Slot {
  worker: Worker;
  busy: Task | null;
  timer: NodeJS.Timeout | null;
}

const WORKER_URL = new URL('./extract-worker.mjs', import.meta.url);

/**
 * A few worker threads that parse documents and split text (extract-worker.mjs), so a 200-page PDF
 * never stalls the HTTP event loop. Bounded: at most `size` documents parse at once, the rest wait in
 * order; a parse that exceeds `timeoutMs` (or crashes its worker) fails that document only, and the
 * worker is replaced. Memory per worker is capped so one hostile file cannot take the process down.
 */
export class ExtractionPool {
  #slots: Slot[] = [];
  #queue: Task[] = [];
  #seq = 0;
  #closed = false;

  constructor(
    private readonly size = Math.max(1, Math.min(2, os.availableParallelism() - 1)),
    private readonly timeoutMs = 300_000,
  ) {}

  extract(path: string, ext: string, contentType: string, split: SplitOptions): Promise<ExtractResult> {
    return this.#run({ kind: 'extract', path, ext, contentType, split });
  }

  /** A web page's HTML to text (scripts, styles dropped), then split; `split` null = text only. */
  html(html: string, split: SplitOptions | null): Promise<ExtractResult> {
    return this.#run({ kind: 'html', html, split });
  }

  split(text: string, split: SplitOptions): Promise<ExtractResult> {
    return this.#run({ kind: 'split', text, split });
  }

  #run(msg: Record<string, unknown>): Promise<ExtractResult> {
    if (this.#closed) return Promise.reject(new ExtractionError('The server is shutting down'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ msg: { ...msg, id: ++this.#seq }, resolve, reject });
      this.#pump();
    });
  }

  #spawn(): Slot {
    const worker = new Worker(WORKER_URL, { resourceLimits: { maxOldGenerationSizeMb: 1024 } });
    worker.unref();
    const slot: Slot = { worker, busy: null, timer: null };
    worker.on('message', (res: { ok: boolean; text?: string; hash?: string; chunks?: TextChunk[]; error?: string }) => {
      const task = slot.busy;
      this.#release(slot);
      if (!task) return;
      if (res.ok) task.resolve({ text: res.text ?? '', hash: res.hash ?? '', chunks: res.chunks ?? [] });
      else task.reject(new ExtractionError(res.error ?? 'Extraction failed'));
    });
    worker.on('error', (err) => this.#fail(slot, `Extraction failed: ${err.message}`));
    worker.on('exit', () => this.#fail(slot, 'Extraction failed: the parser stopped (out of memory?)'));
    this.#slots.push(slot);
    return slot;
  }

  #release(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.busy = null;
    this.#pump();
  }

  #fail(slot: Slot, reason: string): void {
    const task = slot.busy;
    if (slot.timer) clearTimeout(slot.timer);
    this.#slots = this.#slots.filter((s) => s !== slot);
    void slot.worker.terminate();
    slot.busy = null;
    task?.reject(new ExtractionError(reason));
    this.#pump();
  }

  #pump(): void {
    while (this.#queue.length && !this.#closed) {
      const slot = this.#slots.find((s) => !s.busy) ?? (this.#slots.length < this.size ? this.#spawn() : null);
      if (!slot) return;
      const task = this.#queue.shift()!;
      slot.busy = task;
      slot.timer = setTimeout(() => this.#fail(slot, `Extraction timed out after ${Math.round(this.timeoutMs / 1000)} s`), this.timeoutMs);
      slot.worker.postMessage(task.msg);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#queue.splice(0)) t.reject(new ExtractionError('The server is shutting down'));
    const slots = this.#slots.splice(0);
    for (const s of slots) {
      if (s.timer) clearTimeout(s.timer);
      s.worker.removeAllListeners('exit');
      s.busy?.reject(new ExtractionError('The server is shutting down'));
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

/**
 * bcrypt off the event loop, with bounded concurrency.
 *
 * bcryptjs computes on the main thread (its async form only slices the work), so a stream of wrong
 * passwords starved every other request. The native `bcrypt` binding (v6: N-API prebuilds shipped in
 * the npm package, nothing compiled or downloaded at install) runs each hash on the libuv thread pool.
 * At most `concurrency` hashes run at once (one core left to the event loop, pool threads left for file
 * system and DNS work); callers
 * beyond that wait in a bounded queue, and when even the queue is full the attempt is refused (429)
 * instead of queuing without limit. Hashes are the standard `$2a$`/`$2b$`/`$2y$` format, so the
 * original's accounts keep signing in and our hashes stay valid for the original.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';

interface BcryptImpl {
  hash(data: string, rounds: number): Promise<string>;
  compare(data: string, encrypted: string): Promise<boolean>;
}

function loadNative(): BcryptImpl | null {
  try {
    return createRequire(import.meta.url)('bcrypt') as BcryptImpl;
  } catch {
    return null; // no prebuilt binary for this platform: fall back to bcryptjs (on the event loop)
  }
}

// Loaded at the first hash or check, not at start: finding and opening the binding (node-gyp-build
// scans its prebuilds folder) is ~12 ms of CPU that a start serving /health does not need.
let native: BcryptImpl | null | undefined;
let impl: BcryptImpl | undefined;
function bcrypt(): BcryptImpl {
  if (impl) return impl;
  native = loadNative();
  const js = () => import('bcryptjs').then((m) => m.default);
  impl = native ?? { hash: async (d, r) => (await js()).hash(d, r), compare: async (d, e) => (await js()).compare(d, e) };
  return impl;
}

/** True when hashing runs on the thread pool (for diagnostics and tests). */
export function nativeBcrypt(): boolean {
  bcrypt();
  return native !== null;
}

export interface PasswordPoolOptions {
  /** Hashes computed at once (each occupies one libuv thread for the duration). */
  concurrency: number;
  /** Callers allowed to wait for a slot; one more is refused with 429. */
  maxQueue: number;
}

export class PasswordPool {
  #running = 0;
  #waiting: Array<() => void> = [];

  constructor(private readonly opts: PasswordPoolOptions = { concurrency: 2, maxQueue: 200 }) {}

  hash(password: string, cost: number): Promise<string> {
    return this.#run(() => bcrypt().hash(password, cost));
  }

  /** False for a wrong password or a string that is not a bcrypt hash. `$2y$` is `$2b$` under another name. */
  verify(password: string, hash: string): Promise<boolean> {
    const normalised = hash.startsWith('$2y$') ? `$2b$${hash.slice(4)}` : hash;
    return this.#run(() => bcrypt().compare(password, normalised).catch(() => false));
  }

  async #run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.opts.concurrency) {
      if (this.#waiting.length >= this.opts.maxQueue) throw new ApiError(429, ERROR_MESSAGES.RATE_LIMIT_EXCEEDED);
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else this.#running += 1;
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next(); // the slot passes straight to the next waiter
      else this.#running -= 1;
    }
  }
}

/**
 * The process-wide pool: the thread pool is per process, so its budget is too. One core stays free for
 * the event loop (on 2 cores, hashes run one at a time); about 64 waiting hashes are a few seconds of
 * work, past which a flood is refused rather than making every sign-in wait longer.
 */
export const passwordPool = new PasswordPool({ concurrency: Math.min(4, Math.max(1, os.availableParallelism() - 1)), maxQueue: 64 });

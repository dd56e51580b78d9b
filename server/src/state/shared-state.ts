/**
 * State that every instance must agree on: counters (rate limits), short-lived flags (revoked tokens),
 * and change notifications (persistent config). In-process by default; a Redis implementation is
 * swapped in when REDIS_URL is set so a load balancer needs no sticky sessions.
 */
export interface SharedState {
  /** Adds 1 to `key` and returns the new count; the key expires `ttlSeconds` after its first increment. */
  incr(key: string, ttlSeconds: number): Promise<number>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  del(key: string): Promise<void>;
  /** Set membership (e.g. the running task ids of a chat); the set expires `ttlSeconds` after the last add. */
  addToSet(key: string, member: string, ttlSeconds?: number): Promise<void>;
  removeFromSet(key: string, member: string): Promise<void>;
  members(key: string): Promise<string[]>;
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, listener: (message: string) => void): Promise<() => void>;
  /** Throws when the backing store does not answer (readiness probe). */
  ping(): Promise<void>;
  /** 'memory' (this process only) or 'redis' (shared by every instance). */
  readonly kind: 'memory' | 'redis';
  close(): Promise<void>;
}

export class MemoryState implements SharedState {
  readonly kind = 'memory' as const;
  #sets = new Map<string, Set<string>>();
  #values = new Map<string, { value: string; expiresAt: number | null }>();
  #listeners = new Map<string, Set<(message: string) => void>>();

  #live(key: string) {
    const e = this.#values.get(key);
    if (e && e.expiresAt !== null && e.expiresAt <= Date.now()) {
      this.#values.delete(key);
      return undefined;
    }
    return e;
  }

  async incr(key: string, ttlSeconds: number): Promise<number> {
    const e = this.#live(key);
    const n = (e ? Number(e.value) : 0) + 1;
    this.#values.set(key, { value: String(n), expiresAt: e?.expiresAt ?? Date.now() + ttlSeconds * 1000 });
    return n;
  }
  async get(key: string): Promise<string | null> {
    return this.#live(key)?.value ?? null;
  }
  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    this.#values.set(key, { value, expiresAt: ttlSeconds ? Date.now() + ttlSeconds * 1000 : null });
  }
  async del(key: string): Promise<void> {
    this.#values.delete(key);
  }
  async addToSet(key: string, member: string): Promise<void> {
    const set = this.#sets.get(key) ?? new Set();
    set.add(member);
    this.#sets.set(key, set);
  }
  async removeFromSet(key: string, member: string): Promise<void> {
    const set = this.#sets.get(key);
    set?.delete(member);
    if (set && !set.size) this.#sets.delete(key);
  }
  async members(key: string): Promise<string[]> {
    return [...(this.#sets.get(key) ?? [])];
  }
  async ping(): Promise<void> {}
  async publish(channel: string, message: string): Promise<void> {
    for (const l of this.#listeners.get(channel) ?? []) l(message);
  }
  async subscribe(channel: string, listener: (message: string) => void): Promise<() => void> {
    const set = this.#listeners.get(channel) ?? new Set();
    set.add(listener);
    this.#listeners.set(channel, set);
    return () => set.delete(listener);
  }
  async close(): Promise<void> {
    this.#values.clear();
    this.#sets.clear();
    this.#listeners.clear();
  }
}

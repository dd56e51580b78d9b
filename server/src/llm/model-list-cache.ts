/**
 * A connection kind's model list, cached for MODELS_CACHE_TTL. Concurrent callers share one round of
 * upstream requests, and `invalidate()` (a connection changed) makes an answer already in flight
 * unable to overwrite the fresher state. `last()` is the list routing reads past its TTL, like the
 * original's in-memory model map, so a chat request never waits for a list round.
 */
export class ModelListCache<T> {
  #cache: { at: number; models: T[] } | null = null;
  #inflight: Promise<T[]> | null = null;
  #generation = 0;

  constructor(
    private readonly ttlSeconds: number | null,
    private readonly fetch: () => Promise<T[]>,
  ) {}

  get(refresh = false): Promise<T[]> {
    const c = this.#cache;
    if (!refresh && c && (this.ttlSeconds === null || Date.now() - c.at < this.ttlSeconds * 1000)) return Promise.resolve(c.models);
    if (!this.#inflight) {
      const generation = this.#generation;
      this.#inflight = this.fetch()
        .then((models) => {
          if (generation === this.#generation) this.#cache = { at: Date.now(), models };
          return models;
        })
        .finally(() => {
          this.#inflight = null;
        });
    }
    return this.#inflight;
  }

  last(): T[] | undefined {
    return this.#cache?.models;
  }

  invalidate(): void {
    this.#cache = null;
    this.#generation += 1;
  }
}

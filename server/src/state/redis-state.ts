import { Redis } from 'ioredis';
import { ApiError } from '../errors/api-error.js';
import type { SharedState } from './shared-state.js';

/** What a request gets while Redis is away: a clear 503 instead of a hang or a generic 500. */
export const REDIS_UNAVAILABLE = 'Redis is not reachable. Please try again shortly.';

interface StateLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

// INCR and the first EXPIRE must be one step, or a crash between them leaves a counter that never resets.
const INCR_WITH_TTL = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n`;

/**
 * SharedState on Redis, so counters, revocations, caches and change notifications are the same on every
 * instance behind a load balancer. Keys and channels carry REDIS_KEY_PREFIX.
 *
 * Failure policy: a command waits at most `commandTimeoutMs` (also while reconnecting), then fails with a
 * 503 ApiError; ioredis keeps reconnecting in the background, so service resumes by itself when Redis
 * returns, and subscriptions are re-established by the client.
 */
export class RedisState implements SharedState {
  readonly kind = 'redis' as const;
  readonly #cmd: Redis;
  readonly #sub: Redis;
  readonly #prefix: string;
  readonly #listeners = new Map<string, Set<(message: string) => void>>();
  #log: StateLog | null = null;
  #down = false;
  #reconnectHooks = new Set<() => void>();

  constructor(url: string, prefix: string, opts: { commandTimeoutMs?: number } = {}) {
    this.#prefix = prefix ? `${prefix}:` : '';
    const options = {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      commandTimeout: opts.commandTimeoutMs ?? 2000,
      connectTimeout: 2000,
      // Keep trying forever, at most every 2 s: Redis coming back must need no restart here.
      retryStrategy: (times: number) => Math.min(100 * times, 2000),
    };
    this.#cmd = new Redis(url, options);
    this.#sub = new Redis(url, { ...options, commandTimeout: undefined });
    for (const [name, client] of [
      ['commands', this.#cmd],
      ['subscriber', this.#sub],
    ] as const) {
      // Without an 'error' listener ioredis prints every failed reconnect to stderr.
      client.on('error', (err: Error) => {
        if (!this.#down) this.#log?.warn({ connection: name, err: err.message }, 'redis connection lost; retrying');
        if (name === 'commands') this.#down = true;
      });
      client.on('ready', () => {
        if (name === 'commands' && this.#down) {
          this.#down = false;
          this.#log?.info({}, 'redis connection restored');
        }
        if (name === 'subscriber') {
          // A subscribe issued while Redis was down may never have been recorded by the client.
          const channels = [...this.#listeners.keys()].map((c) => this.#k(c));
          if (channels.length) void this.#sub.subscribe(...channels).catch(() => undefined);
          for (const hook of this.#reconnectHooks) hook();
        }
      });
    }
    this.#sub.on('message', (channel: string, message: string) => {
      for (const l of this.#listeners.get(channel.slice(this.#prefix.length)) ?? []) {
        try {
          l(message);
        } catch (err) {
          this.#log?.warn({ channel, err: (err as Error).message }, 'shared-state listener failed');
        }
      }
    });
  }

  /**
   * Connects both clients. A Redis that is down at start-up is not fatal: the instance starts, reports
   * not-ready, answers 503 where Redis is needed, and catches up once it is reachable.
   */
  static async open(url: string, prefix: string, opts: { commandTimeoutMs?: number } = {}): Promise<RedisState> {
    const state = new RedisState(url, prefix, opts);
    await Promise.all([state.#cmd.connect(), state.#sub.connect()]).catch(() => undefined);
    return state;
  }

  /** Where connection-state changes are reported (the app logger, once it exists). */
  setLogger(log: StateLog): void {
    this.#log = log;
  }

  /** Called each time the subscriber connection becomes ready again (missed messages can be caught up). */
  onReconnect(hook: () => void): () => void {
    this.#reconnectHooks.add(hook);
    return () => this.#reconnectHooks.delete(hook);
  }

  async #run<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      this.#log?.warn({ err: (err as Error).message }, 'redis command failed');
      throw new ApiError(503, REDIS_UNAVAILABLE);
    }
  }

  #k(key: string): string {
    return this.#prefix + key;
  }

  incr(key: string, ttlSeconds: number): Promise<number> {
    return this.#run(async () => Number(await this.#cmd.eval(INCR_WITH_TTL, 1, this.#k(key), Math.max(1, Math.ceil(ttlSeconds)))));
  }
  get(key: string): Promise<string | null> {
    return this.#run(() => this.#cmd.get(this.#k(key)));
  }
  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    await this.#run(() =>
      ttlSeconds ? this.#cmd.set(this.#k(key), value, 'PX', Math.ceil(ttlSeconds * 1000)) : this.#cmd.set(this.#k(key), value),
    );
  }
  async del(key: string): Promise<void> {
    await this.#run(() => this.#cmd.del(this.#k(key)));
  }
  async addToSet(key: string, member: string, ttlSeconds?: number): Promise<void> {
    await this.#run(async () => {
      const m = this.#cmd.multi().sadd(this.#k(key), member);
      if (ttlSeconds) m.expire(this.#k(key), Math.ceil(ttlSeconds));
      await m.exec();
    });
  }
  async removeFromSet(key: string, member: string): Promise<void> {
    await this.#run(() => this.#cmd.srem(this.#k(key), member));
  }
  members(key: string): Promise<string[]> {
    return this.#run(() => this.#cmd.smembers(this.#k(key)));
  }
  async publish(channel: string, message: string): Promise<void> {
    await this.#run(() => this.#cmd.publish(this.#k(channel), message));
  }
  async subscribe(channel: string, listener: (message: string) => void): Promise<() => void> {
    let set = this.#listeners.get(channel);
    if (!set) {
      set = new Set();
      this.#listeners.set(channel, set);
      // Registered even if Redis is down now: ioredis re-subscribes every channel on reconnect.
      await this.#sub.subscribe(this.#k(channel)).catch(() => undefined);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (!set.size) {
        this.#listeners.delete(channel);
        void this.#sub.unsubscribe(this.#k(channel)).catch(() => undefined);
      }
    };
  }
  async ping(): Promise<void> {
    await this.#run(() => this.#cmd.ping());
  }
  /** A new connection for another consumer (the Socket.IO adapter) with the same failure policy. */
  duplicate(): Redis {
    return this.#cmd.duplicate({ commandTimeout: undefined });
  }
  async close(): Promise<void> {
    this.#listeners.clear();
    this.#reconnectHooks.clear();
    this.#cmd.disconnect();
    this.#sub.disconnect();
  }
}

import { randomUUID } from 'node:crypto';
import type { SharedState } from '../../state/shared-state.js';

/** Who started a task and for which chat; kept in SharedState so any instance can answer or stop it. */
export interface TaskRecord {
  id: string;
  user_id: string;
  chat_id: string | null;
  instance: string;
}

export const STOP_CHANNEL = 'tasks:stop';

/** The abort reason of tasks cut by a shutdown (as opposed to a user's stop). */
export class ShutdownAbort extends Error {
  constructor() {
    super('Server shutting down');
    this.name = 'ShutdownAbort';
  }
}
export const isShutdownAbort = (reason: unknown): boolean => reason instanceof ShutdownAbort;
// A task's record lives this long unless its instance keeps renewing it, so a crashed instance's tasks
// disappear from listings by themselves.
const LEASE_SECONDS = 30;
const RENEW_MS = 10_000;
const SET_TTL_SECONDS = 24 * 3600;

const taskKey = (id: string) => `tasks:item:${id}`;
const chatKey = (chatId: string) => `tasks:chat:${chatId}`;
const userKey = (userId: string) => `tasks:user:${userId}`;
const ALL = 'tasks:all';

/**
 * Background tasks (socket-delivered chat completions). The running work lives in one process; its
 * record lives in SharedState, and a stop request is broadcast so whichever instance runs the task
 * aborts it. Nothing here needs the request to come back to the same instance.
 */
export class TaskRegistry {
  readonly instance = randomUUID();
  #local = new Map<string, { controller: AbortController; renew: NodeJS.Timeout; done: Promise<void> }>();
  #unsubscribe: (() => void) | null = null;

  constructor(private readonly state: SharedState) {}

  async start(): Promise<void> {
    this.#unsubscribe = await this.state.subscribe(STOP_CHANNEL, (id) => this.#abortLocal(id));
  }

  /** Records a task and runs `work` in the background; returns the task id at once. */
  async spawn(owner: { userId: string; chatId: string | null }, work: (signal: AbortSignal) => Promise<void>): Promise<string> {
    const id = randomUUID();
    const record: TaskRecord = { id, user_id: owner.userId, chat_id: owner.chatId, instance: this.instance };
    const write = () => this.state.set(taskKey(id), JSON.stringify(record), LEASE_SECONDS);
    await write();
    await Promise.all([
      this.state.addToSet(ALL, id, SET_TTL_SECONDS),
      this.state.addToSet(userKey(owner.userId), id, SET_TTL_SECONDS),
      owner.chatId ? this.state.addToSet(chatKey(owner.chatId), id, SET_TTL_SECONDS) : undefined,
    ]);
    const controller = new AbortController();
    const renew = setInterval(() => void write().catch(() => undefined), RENEW_MS);
    renew.unref();
    const done = work(controller.signal)
      .catch(() => undefined)
      .finally(() => this.#finish(record));
    this.#local.set(id, { controller, renew, done });
    return id;
  }

  async #finish(record: TaskRecord): Promise<void> {
    const local = this.#local.get(record.id);
    if (local) clearInterval(local.renew);
    this.#local.delete(record.id);
    await Promise.all([
      this.state.del(taskKey(record.id)),
      this.state.removeFromSet(ALL, record.id),
      this.state.removeFromSet(userKey(record.user_id), record.id),
      record.chat_id ? this.state.removeFromSet(chatKey(record.chat_id), record.id) : undefined,
    ]).catch(() => undefined); // Redis away: the lease runs out on its own
  }

  async get(id: string): Promise<TaskRecord | null> {
    const raw = await this.state.get(taskKey(id));
    return raw ? (JSON.parse(raw) as TaskRecord) : null;
  }

  /** Live task ids in a set; ids whose lease ran out (crashed instance) are dropped on the way. */
  async #live(setKey: string): Promise<string[]> {
    const ids = await this.state.members(setKey);
    const records = await Promise.all(ids.map((id) => this.state.get(taskKey(id))));
    const dead = ids.filter((_, i) => records[i] === null);
    await Promise.all(dead.map((id) => this.state.removeFromSet(setKey, id)));
    return ids.filter((_, i) => records[i] !== null);
  }

  listAll(): Promise<string[]> {
    return this.#live(ALL);
  }
  listForUser(userId: string): Promise<string[]> {
    return this.#live(userKey(userId));
  }
  listForChat(chatId: string): Promise<string[]> {
    return this.#live(chatKey(chatId));
  }

  /** Aborts the task wherever it runs. Returns false when the task is unknown. */
  async stop(id: string): Promise<boolean> {
    const record = await this.get(id);
    if (!record && !this.#local.has(id)) return false;
    if (this.#abortLocal(id)) return true;
    await this.state.publish(STOP_CHANNEL, id);
    return true;
  }

  #abortLocal(id: string, reason: Error = new Error('Task stopped')): boolean {
    const local = this.#local.get(id);
    if (!local) return false;
    local.controller.abort(reason);
    return true;
  }

  /**
   * Shutdown: lets this instance's tasks finish for up to `drainMs` (the same budget HTTP streams get),
   * then aborts the rest with a ShutdownAbort (their replies are saved as interrupted) and waits up to
   * `saveMs` for those final saves.
   */
  async close(drainMs = 0, saveMs = 3000): Promise<void> {
    this.#unsubscribe?.();
    const pending = () => [...this.#local.values()].map((l) => l.done);
    const within = (ms: number, work: Promise<unknown>) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        void work.finally(() => {
          clearTimeout(t);
          resolve();
        });
      });
    if (drainMs > 0 && this.#local.size) await within(drainMs, Promise.all(pending()));
    for (const id of [...this.#local.keys()]) this.#abortLocal(id, new ShutdownAbort());
    if (this.#local.size) await within(saveMs, Promise.all(pending()));
  }
}

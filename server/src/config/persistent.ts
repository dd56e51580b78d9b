import type { Db } from '../db/database.js';
import { getOwn, setOwn } from '../security/own-keys.js';
import type { Config } from './env.js';
import { PERSISTENT_KEYS, type PersistentKey, type PersistentValues } from './persistent-keys.js';

type Tree = Record<string, unknown>;

function getPath(tree: Tree, dotted: string): unknown {
  let node: unknown = tree;
  for (const part of dotted.split('.')) {
    if (!node || typeof node !== 'object') return undefined;
    node = getOwn(node, part);
  }
  return node;
}

function setPath(tree: Tree, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    const next = getOwn(node, part);
    if (next && typeof next === 'object' && !Array.isArray(next)) node = next as Tree;
    else setOwn(node, part, (node = {}));
  }
  setOwn(node, parts.at(-1)!, value);
}

export type ConfigChangeListener = (keys: PersistentKey[]) => void;

/**
 * Open WebUI's PersistentConfig: env seeds each value, a value saved by an admin (stored in the newest
 * `config` row as one JSON tree) wins on the next start, RESET_CONFIG_ON_START drops saved values and
 * ENABLE_PERSISTENT_CONFIG=false ignores them. Reads are from memory; `reload()` is the seam other
 * instances use (through Redis) to pick up a change saved elsewhere.
 */
export class PersistentConfig {
  #values: PersistentValues;
  #tree: Tree = {};
  #listeners = new Set<ConfigChangeListener>();

  private constructor(
    private readonly db: Db,
    private readonly config: Config,
  ) {
    this.#values = this.#seeded();
  }

  static async load(db: Db, config: Config): Promise<PersistentConfig> {
    const store = new PersistentConfig(db, config);
    if (config.persistentConfig.resetOnStart) await db.kysely.deleteFrom('config').execute();
    await store.reload();
    return store;
  }

  #seeded(): PersistentValues {
    const out: Record<string, unknown> = {};
    for (const [key, def] of Object.entries(PERSISTENT_KEYS)) out[key] = def.seed(this.config);
    return out as PersistentValues;
  }

  /** Re-reads the stored tree; returns the keys whose value changed. */
  async reload(): Promise<PersistentKey[]> {
    const row = await this.db.kysely.selectFrom('config').select(['data']).orderBy('id', 'desc').limit(1).executeTakeFirst();
    this.#tree = row ? (JSON.parse(row.data) as Tree) : {};
    const next = this.#seeded() as Record<string, unknown>;
    if (this.config.persistentConfig.enabled) {
      for (const [key, def] of Object.entries(PERSISTENT_KEYS)) {
        const stored = getPath(this.#tree, def.path);
        if (stored === undefined) continue;
        const parsed = def.schema.safeParse(stored);
        if (parsed.success) next[key] = parsed.data; // a malformed stored value falls back to env
      }
    }
    const changed = (Object.keys(next) as PersistentKey[]).filter(
      (k) => JSON.stringify(next[k]) !== JSON.stringify(this.#values[k]),
    );
    this.#values = next as PersistentValues;
    if (changed.length) this.#emit(changed);
    return changed;
  }

  get<K extends PersistentKey>(key: K): PersistentValues[K] {
    return this.#values[key];
  }

  /** Whole stored tree, for `/api/v1/configs/export`. */
  tree(): Tree {
    return structuredClone(this.#tree);
  }

  async set(values: Partial<PersistentValues>): Promise<void> {
    const keys = Object.keys(values) as PersistentKey[];
    for (const key of keys) {
      const value = PERSISTENT_KEYS[key].schema.parse(values[key]);
      setPath(this.#tree, PERSISTENT_KEYS[key].path, value);
      (this.#values as Record<string, unknown>)[key] = value;
    }
    await this.#save();
    this.#emit(keys);
  }

  /** Replaces the whole stored tree (config import). */
  async replaceTree(tree: Tree): Promise<void> {
    this.#tree = structuredClone(tree);
    await this.#save();
    await this.reload();
  }

  onChange(listener: ConfigChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async #save(): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    const data = JSON.stringify(this.#tree);
    const k = this.db.kysely;
    const latest = await k.selectFrom('config').select('id').orderBy('id', 'desc').limit(1).executeTakeFirst();
    if (latest) await k.updateTable('config').set({ data, updated_at: now }).where('id', '=', latest.id).execute();
    else await k.insertInto('config').values({ data, version: 0, created_at: now, updated_at: now }).execute();
  }

  #emit(keys: PersistentKey[]): void {
    for (const l of this.#listeners) l(keys);
  }
}

import type { Config } from './config/env.js';
import { PersistentConfig } from './config/persistent.js';
import { resolveSecretKey } from './config/secret-key.js';
import type { AppContext } from './context.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { adoptOnStart } from './db/adopt/adopt.js';
import type { AdoptionReport } from './db/adopt/report.js';
import { seedAdminAccount } from './modules/auths/auths.bootstrap.js';
import { randomUUID } from 'node:crypto';
import { syncSettingsAcrossInstances } from './realtime/config-sync.js';
import { MemoryState, type SharedState } from './state/shared-state.js';

/**
 * The start-up steps that touch the outside world, in order: secret key, adoption of an Open WebUI
 * database, database, migrations, persistent settings, shared state. The server and the tests both
 * start here.
 */
export async function openContext(
  config: Config,
): Promise<Omit<AppContext, 'log'> & { close(): Promise<void>; adoption: AdoptionReport | null }> {
  const { key, source: keySource } = resolveSecretKey(config.webui.secretKey, config.paths.dataDir);
  // An Open WebUI database in DATA_DIR is backed up and brought into our schema first (db/adopt/).
  const adoption = await adoptOnStart(config);
  if (adoption && keySource === 'generated') {
    adoption.notes.push(
      'No .webui_secret_key in DATA_DIR and no WEBUI_SECRET_KEY: a new key was generated, so sessions issued by Open WebUI ended (passwords work). Set WEBUI_SECRET_KEY to the old key to keep them.',
    );
  }
  const db = await openDatabase(config.database);
  try {
    await migrateToLatest(db);
    const settings = await PersistentConfig.load(db, config);
    // REDIS_URL: counters, revocations, caches and config-change notices shared by every instance.
    // ioredis (and its commands table) is loaded only then: a start without Redis does not compile it.
    const state: SharedState = config.redis.url
      ? await (await import('./state/redis-state.js')).RedisState.open(config.redis.url, config.redis.keyPrefix)
      : new MemoryState();
    const stopSync = await syncSettingsAcrossInstances(settings, state, randomUUID());
    await seedAdminAccount({ config, secretKey: key, db, settings, state });
    return {
      config,
      secretKey: key,
      db,
      settings,
      state,
      adoption,
      async close() {
        stopSync();
        await state.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}

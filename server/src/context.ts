import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config/env.js';
import type { PersistentConfig } from './config/persistent.js';
import type { Db } from './db/database.js';
import type { SharedState } from './state/shared-state.js';

/**
 * What the process shares with every module: configuration, the database, run-time settings and the
 * cross-instance state. Modules build their own services and repositories from it.
 */
export interface AppContext {
  config: Config;
  secretKey: string;
  db: Db;
  settings: PersistentConfig;
  state: SharedState;
  log: FastifyBaseLogger;
}

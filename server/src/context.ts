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

const perContextRegistry = new WeakMap<object, Map<unknown, unknown>>();

/**
 * One instance of a service class per app context (each test server has its own context, so services
 * never share caches or pools between them).
 */
export function perContext<T>(ctx: AppContext, Service: new (ctx: AppContext) => T): T {
  let services = perContextRegistry.get(ctx);
  if (!services) perContextRegistry.set(ctx, (services = new Map()));
  if (!services.has(Service)) services.set(Service, new Service(ctx));
  return services.get(Service) as T;
}

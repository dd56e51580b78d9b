import type { PersistentConfig } from '../config/persistent.js';
import type { SharedState } from '../state/shared-state.js';
// Type only: ioredis is loaded only when REDIS_URL is set (bootstrap.ts).
import type { RedisState } from '../state/redis-state.js';

export const CONFIG_CHANNEL = 'config:changed';

/**
 * Keeps run-time settings equal on every instance: a save here is announced on a shared channel, and an
 * announcement from elsewhere makes this instance re-read the stored tree. The database stays the one
 * source of truth; the message only says "look again", so a lost message costs freshness, not
 * correctness, and a Redis reconnect triggers a re-read to catch up on anything missed meanwhile.
 */
export async function syncSettingsAcrossInstances(
  settings: PersistentConfig,
  state: SharedState,
  instanceId: string,
): Promise<() => void> {
  if (state.kind !== 'redis') return () => undefined;

  const reload = () => void settings.reload().catch(() => undefined);
  const unsubscribe = await state.subscribe(CONFIG_CHANNEL, (message) => {
    if (message !== instanceId) reload();
  });
  const offReconnect = 'onReconnect' in state ? (state as RedisState).onReconnect(reload) : () => undefined;

  // Announce only saves made here (not reloads caused by others), so one save costs one message.
  const announce = () => state.publish(CONFIG_CHANNEL, instanceId).catch(() => undefined);
  const set = settings.set.bind(settings);
  const replaceTree = settings.replaceTree.bind(settings);
  settings.set = async (values) => {
    await set(values);
    await announce();
  };
  settings.replaceTree = async (tree) => {
    await replaceTree(tree);
    await announce();
  };

  return () => {
    unsubscribe();
    offReconnect();
    settings.set = set;
    settings.replaceTree = replaceTree;
  };
}

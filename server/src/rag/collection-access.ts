import type { UserModel } from '@owui/contracts';
import { canReadFile, canReadKnowledge, groupIdsOf } from './access.js';
import type { RagRuntime } from './runtime.js';

/**
 * Whether `user` may search a collection: `file-<id>` follows the file, a knowledge id follows the
 * knowledge base, any other name (made by `process/text`) belongs to whoever created its chunks.
 * The original lets any signed-in user query any collection name; we do not.
 */
export async function canReadCollection(rt: RagRuntime, user: UserModel, name: string): Promise<boolean> {
  if (user.role === 'admin') return true;
  if (name.startsWith('file-')) {
    const file = await rt.files.get(name.slice(5));
    if (file) return canReadFile(user, file);
  }
  const k = await rt.knowledge.get(name);
  if (k) return canReadKnowledge(user, k, await groupIdsOf(rt.ctx, user));
  const [first] = await (await rt.store()).all([name], 1);
  return !first || first.metadata.created_by === user.id;
}

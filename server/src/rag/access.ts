import type { UserModel } from '@owui/contracts';
import type { AppContext } from '../context.js';
import { canAccess, parseAccessControl } from '../modules/access/access-control.js';
import { GroupsRepository } from '../modules/groups/groups.repository.js';
import { hasPermission } from '../modules/users/permissions.js';

/**
 * Who may read or change a file or a knowledge base; every route, the query endpoints and the chat
 * RAG step go through these functions and nothing else. Admins, the owner, and for knowledge bases
 * whoever the row's `access_control` grants (users or groups, through the shared evaluator). Files are
 * the owner's (the original shares a file through the knowledge bases that hold it).
 */
interface Owned {
  user_id: string;
  access_control: Record<string, unknown> | null;
}

/** The caller's group ids, for the knowledge checks (none needed for admins). */
export async function groupIdsOf(ctx: AppContext, user: UserModel): Promise<string[]> {
  return user.role === 'admin' ? [] : GroupsRepository.for(ctx).groupIdsForUser(user.id);
}

export function canReadKnowledge(user: UserModel, row: Owned, groupIds: readonly string[] = []): boolean {
  return user.role === 'admin' || canAccess(user, groupIds, 'read', { user_id: row.user_id, access_control: parseAccessControl(row.access_control) });
}

export function canWriteKnowledge(user: UserModel, row: Owned, groupIds: readonly string[] = []): boolean {
  return user.role === 'admin' || canAccess(user, groupIds, 'write', { user_id: row.user_id, access_control: parseAccessControl(row.access_control) });
}

export function canReadFile(user: UserModel, row: Owned): boolean {
  return user.role === 'admin' || row.user_id === user.id;
}

export function canWriteFile(user: UserModel, row: Owned): boolean {
  return user.role === 'admin' || row.user_id === user.id;
}

/** `workspace.knowledge` (creating knowledge bases), as the original checks it. */
export async function mayCreateKnowledge(ctx: AppContext, user: UserModel): Promise<boolean> {
  return hasPermission(ctx, user, 'workspace.knowledge');
}

/** `chat.file_upload`. */
export async function mayUploadFiles(ctx: AppContext, user: UserModel): Promise<boolean> {
  return hasPermission(ctx, user, 'chat.file_upload');
}

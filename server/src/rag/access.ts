import type { UserModel } from '@owui/contracts';
import type { AppContext } from '../context.js';
import { hasPermission } from '../modules/users/permissions.js';

/**
 * SEAM(access-control): who may read or change a file or a knowledge base. For now the owner and
 * admins; the row's `access_control` is stored untouched. When the shared access-control evaluator
 * lands (groups, `read`/`write` grants), replace these bodies with calls to it: every route, the query
 * endpoints and the chat RAG step go through these four functions and nothing else.
 */
interface Owned {
  user_id: string;
  access_control: Record<string, unknown> | null;
}

export function canReadKnowledge(user: UserModel, row: Owned): boolean {
  return user.role === 'admin' || row.user_id === user.id;
}

export function canWriteKnowledge(user: UserModel, row: Owned): boolean {
  return user.role === 'admin' || row.user_id === user.id;
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

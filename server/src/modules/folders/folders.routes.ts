import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { FolderForm, FolderIsExpandedForm, FolderParentIdForm, FolderUpdateForm, type FolderModel } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { currentUser } from '../../plugins/auth-guard.js';
import { PathText, userMay } from '../chats/chats.http.js';
import { chatsServiceFor } from '../chats/chats.service.js';
import { FoldersRepository } from './folders.repository.js';

const IdParams = z.object({ id: PathText.pipe(z.string().max(255)) });
const exists = () => new ApiError(400, ERROR_MESSAGES.DEFAULT('Folder already exists'));

/** What the folder list answers per folder (the original's FolderNameIdResponse). */
function nameIdResponse(f: FolderModel) {
  const icon = f.meta && typeof f.meta.icon === 'string' ? f.meta.icon : null;
  return { id: f.id, name: f.name, meta: f.meta ? { icon } : null, parent_id: f.parent_id, is_expanded: f.is_expanded, created_at: f.created_at, updated_at: f.updated_at };
}

/**
 * `/api/v1/folders`: a user's chat folders (tree by `parent_id`, names unique per level). Deleting a
 * folder deletes its sub-folders and the chats in them, like the original; chats move in and out with
 * `POST /api/v1/chats/{id}/folder`.
 */
export async function foldersRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const repo = new FoldersRepository(ctx.db);
  const chats = chatsServiceFor(ctx);
  const cfg = { config: { auth: 'verified' as const } };
  const P = '/api/v1/folders';

  const owned = async (request: FastifyRequest): Promise<FolderModel> => {
    const folder = await repo.get((request.params as { id: string }).id, currentUser(request).id);
    if (!folder) throw new ApiError(404, ERROR_MESSAGES.NOT_FOUND);
    return folder;
  };

  app.get(`${P}/`, cfg, async (request) => {
    const userId = currentUser(request).id;
    const folders = await repo.list(userId);
    const ids = new Set(folders.map((f) => f.id));
    // A folder whose parent is gone moves to the top level instead of vanishing from the tree.
    for (const f of folders) {
      if (f.parent_id && !ids.has(f.parent_id)) {
        await repo.update(f.id, userId, { parent_id: null });
        f.parent_id = null;
      }
    }
    return folders.map(nameIdResponse);
  });

  app.post(`${P}/`, { ...cfg, schema: { body: FolderForm } }, async (request) => {
    const userId = currentUser(request).id;
    const form = request.body as FolderForm;
    const parentId = form.parent_id ?? null;
    if (parentId && !(await repo.get(parentId, userId))) throw new ApiError(404, ERROR_MESSAGES.NOT_FOUND);
    if (await repo.findByName(userId, parentId, form.name)) throw exists();
    return repo.insert(userId, { name: form.name, parent_id: parentId, data: form.data, meta: form.meta });
  });

  app.get(`${P}/:id`, { ...cfg, schema: { params: IdParams } }, async (request) => owned(request));

  app.post(`${P}/:id/update`, { ...cfg, schema: { params: IdParams, body: FolderUpdateForm } }, async (request) => {
    const folder = await owned(request);
    const form = request.body as FolderUpdateForm;
    const userId = currentUser(request).id;
    if (form.name) {
      const clash = await repo.findByName(userId, folder.parent_id, form.name);
      if (clash && clash.id !== folder.id) throw exists();
    }
    return repo.update(folder.id, userId, {
      ...(form.name ? { name: form.name } : {}),
      ...(form.data !== undefined ? { data: form.data } : {}),
      ...(form.meta !== undefined ? { meta: form.meta } : {}),
    });
  });

  app.post(`${P}/:id/update/parent`, { ...cfg, schema: { params: IdParams, body: FolderParentIdForm } }, async (request) => {
    const folder = await owned(request);
    const userId = currentUser(request).id;
    const parentId = (request.body as z.infer<typeof FolderParentIdForm>).parent_id ?? null;
    if (parentId) {
      if (!(await repo.get(parentId, userId))) throw new ApiError(404, ERROR_MESSAGES.NOT_FOUND);
      // Moving a folder into itself or below itself would cut the subtree off the tree.
      if ((await repo.subtreeIds(folder.id, userId)).includes(parentId)) throw new ApiError(400, ERROR_MESSAGES.DEFAULT('A folder cannot be moved into itself'));
    }
    const clash = await repo.findByName(userId, parentId, folder.name);
    if (clash && clash.id !== folder.id) throw exists();
    return repo.update(folder.id, userId, { parent_id: parentId });
  });

  app.post(`${P}/:id/update/expanded`, { ...cfg, schema: { params: IdParams, body: FolderIsExpandedForm } }, async (request) => {
    const folder = await owned(request);
    return repo.update(folder.id, currentUser(request).id, { is_expanded: (request.body as { is_expanded: boolean }).is_expanded });
  });

  app.delete(`${P}/:id`, { ...cfg, schema: { params: IdParams } }, async (request) => {
    const folder = await owned(request);
    const user = currentUser(request);
    const ids = await repo.subtreeIds(folder.id, user.id);
    const chatIds = (await Promise.all(ids.map((fid) => chats.repo.listRows(user.id, { folderId: fid })))).flat().map((c) => c.id);
    if (chatIds.length && !(await userMay(ctx, user, 'chat.delete'))) throw new ApiError(403, ERROR_MESSAGES.ACCESS_PROHIBITED);
    for (const id of chatIds) await chats.deleteOne(id);
    await repo.deleteMany(ids, user.id);
    return true;
  });
}

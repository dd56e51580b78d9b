import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ChatFilterQuery, ChatForm, ChatImportForm, ChatListQuery, ChatSearchQuery, ChatsImportForm, PageQuery, TagFilterForm } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { currentUser } from '../../plugins/auth-guard.js';
import { PathText, sendChat, sendChats, userMay } from './chats.http.js';
import { chatItemRoutes } from './chat-item.routes.js';
import { chatsServiceFor, PAGE_SIZE } from './chats.service.js';

/** `/api/v1/chats`: lists, creation, import, search, admin views. Per-chat routes: chat-item.routes.ts. */
export async function chatsRoutes(app: FastifyInstance, ctx: AppContext) {
  const chats = chatsServiceFor(ctx);
  const verified = { auth: 'verified' as const };
  const prefix = '/api/v1/chats';

  const listHandler = async (request: FastifyRequest) => {
    const q = request.query as ChatListQuery;
    const user = currentUser(request);
    const window = q.page !== undefined ? { skip: (q.page - 1) * PAGE_SIZE, limit: PAGE_SIZE } : {};
    return chats.repo.listTitles(user.id, { ...window, includePinned: q.include_pinned, includeFolders: q.include_folders });
  };
  app.get(`${prefix}/`, { config: verified, schema: { querystring: ChatListQuery } }, listHandler);
  app.get(`${prefix}/list`, { config: verified, schema: { querystring: ChatListQuery } }, listHandler);

  app.delete(`${prefix}/`, { config: verified }, async (request) => {
    const user = currentUser(request);
    if (user.role === 'user' && !(await userMay(ctx, user, 'chat.delete'))) throw new ApiError(401, ERROR_MESSAGES.ACCESS_PROHIBITED);
    return chats.deleteAllOfUser(user.id);
  });

  app.get(
    `${prefix}/list/user/:user_id`,
    { config: { auth: 'admin' }, schema: { params: z.object({ user_id: PathText }), querystring: ChatFilterQuery } },
    async (request) => {
      if (!ctx.config.auth.enableAdminChatAccess) throw new ApiError(401, ERROR_MESSAGES.ACCESS_PROHIBITED);
      const { user_id } = request.params as { user_id: string };
      const q = request.query as ChatFilterQuery;
      const page = q.page ?? 1;
      return chats.repo.listFiltered(user_id, null, { ...q, skip: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE });
    },
  );

  app.post(`${prefix}/new`, { config: verified, schema: { body: ChatForm } }, async (request, reply) => {
    const row = await chats.create(currentUser(request).id, request.body as ChatForm).catch(failure(request));
    return sendChat(reply, row);
  });

  // Older clients post one chat and get one ChatResponse; newer ones post {chats: [...]} and get a list.
  app.post(`${prefix}/import`, { config: verified, schema: { body: z.union([ChatsImportForm, ChatImportForm]) } }, async (request, reply) => {
    const body = request.body as ChatsImportForm | ChatImportForm;
    const forms = 'chats' in body ? body.chats : [body];
    const rows = await chats.importChats(currentUser(request).id, forms).catch(failure(request));
    return 'chats' in body ? sendChats(reply, rows) : sendChat(reply, rows[0]!);
  });

  app.get(`${prefix}/search`, { config: verified, schema: { querystring: ChatSearchQuery } }, async (request) => {
    const q = request.query as ChatSearchQuery;
    return chats.search(currentUser(request).id, q.text, q.page ?? 1);
  });

  app.get(`${prefix}/folder/:folder_id`, { config: verified, schema: { params: z.object({ folder_id: PathText }) } }, async (request, reply) => {
    const { folder_id } = request.params as { folder_id: string };
    return sendChats(reply, await chats.repo.listRows(currentUser(request).id, { folderId: folder_id }));
  });

  app.get(
    `${prefix}/folder/:folder_id/list`,
    { config: verified, schema: { params: z.object({ folder_id: PathText }), querystring: PageQuery } },
    async (request) => {
      const { folder_id } = request.params as { folder_id: string };
      const page = (request.query as PageQuery).page ?? 1;
      return chats.repo.listFolder(currentUser(request).id, folder_id, { skip: (page - 1) * 10, limit: 10 });
    },
  );

  app.get(`${prefix}/pinned`, { config: verified }, async (request) => chats.repo.listPinned(currentUser(request).id));

  app.get(`${prefix}/all`, { config: verified }, async (request, reply) => sendChats(reply, await chats.repo.listRows(currentUser(request).id)));

  app.get(`${prefix}/all/archived`, { config: verified }, async (request, reply) =>
    sendChats(reply, await chats.repo.listRows(currentUser(request).id, { archived: true })),
  );

  app.get(`${prefix}/all/tags`, { config: verified }, async (request) => chats.tags.listForUser(currentUser(request).id));

  app.get(`${prefix}/all/db`, { config: { auth: 'admin' } }, async (_request, reply) => {
    if (!ctx.config.auth.enableAdminExport) throw new ApiError(401, ERROR_MESSAGES.ACCESS_PROHIBITED);
    return sendChats(reply, await chats.repo.listRows(null));
  });

  app.get(`${prefix}/archived`, { config: verified, schema: { querystring: ChatFilterQuery } }, async (request) => {
    const q = request.query as ChatFilterQuery;
    const page = q.page ?? 1;
    return chats.repo.listFiltered(currentUser(request).id, true, { ...q, skip: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE });
  });

  app.post(`${prefix}/archive/all`, { config: verified }, async (request) => {
    await chats.repo.setArchivedForUser(currentUser(request).id, true);
    return true;
  });
  app.post(`${prefix}/unarchive/all`, { config: verified }, async (request) => {
    await chats.repo.setArchivedForUser(currentUser(request).id, false);
    return true;
  });

  app.get(`${prefix}/share/:share_id`, { config: verified, schema: { params: z.object({ share_id: PathText }) } }, async (request, reply) => {
    const user = currentUser(request);
    const { share_id } = request.params as { share_id: string };
    let row = await chats.repo.findByShareId(share_id);
    if (!row && user.role === 'admin' && ctx.config.auth.enableAdminChatAccess) row = await chats.repo.find(share_id);
    if (!row) throw new ApiError(401, ERROR_MESSAGES.NOT_FOUND);
    return sendChat(reply, row);
  });

  app.post(`${prefix}/tags`, { config: verified, schema: { body: TagFilterForm } }, async (request) => {
    const body = request.body as TagFilterForm;
    return chats.chatsWithTag(currentUser(request).id, body.name, body.skip ?? 0, body.limit ?? 50);
  });

  await chatItemRoutes(app, ctx, prefix);
}

/** Unexpected storage failures on create/import answer like the original: 400 "Something went wrong :/". */
function failure(request: FastifyRequest) {
  return (err: unknown): never => {
    request.log.error({ err }, 'chat write failed');
    throw new ApiError(400, ERROR_MESSAGES.DEFAULT());
  };
}

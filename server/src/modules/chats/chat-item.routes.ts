import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ChatFolderIdForm, ChatForm, CloneForm, EventForm, MessageForm, TagForm, tagIdFromName } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { currentUser } from '../../plugins/auth-guard.js';
import { isUnsafeKey, UNSAFE_KEY_DETAIL } from '../../security/own-keys.js';
import type { ChatRow } from './chats.repository.js';
import { PathText, sendChat, userMay } from './chats.http.js';
import { chatsServiceFor } from './chats.service.js';

const IdParams = z.object({ id: PathText });
const MessageParams = z.object({ id: PathText, message_id: PathText.refine((s) => !isUnsafeKey(s), UNSAFE_KEY_DETAIL) });

/**
 * Routes on one chat, `/api/v1/chats/{id}…`. A chat that is missing or belongs to someone else answers
 * 401 like the original; each route keeps the original's detail text for that case (NOT_FOUND,
 * ACCESS_PROHIBITED or the generic "Something went wrong :/").
 */
export async function chatItemRoutes(app: FastifyInstance, ctx: AppContext, prefix: string) {
  const chats = chatsServiceFor(ctx);
  const verified = { auth: 'verified' as const };
  const p = `${prefix}/:id`;

  /** The caller's own chat, or a 401 with the route's wording. */
  const owned = async (request: FastifyRequest, detail: string): Promise<ChatRow> => {
    const row = await chats.repo.findOwned((request.params as { id: string }).id, currentUser(request).id);
    if (!row) throw new ApiError(401, detail);
    return row;
  };
  const adminMaySeeAll = (request: FastifyRequest) => currentUser(request).role === 'admin' && ctx.config.auth.enableAdminChatAccess;

  app.get(p, { config: verified, schema: { params: IdParams } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const row = await chats.repo.findRaw(id, adminMaySeeAll(request) ? undefined : currentUser(request).id);
    if (!row) throw new ApiError(401, ERROR_MESSAGES.NOT_FOUND);
    return sendChat(reply, row);
  });

  app.post(p, { config: verified, schema: { params: IdParams, body: ChatForm } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const row = await chats.update(id, currentUser(request).id, (request.body as ChatForm).chat);
    if (!row) throw new ApiError(401, ERROR_MESSAGES.ACCESS_PROHIBITED);
    return sendChat(reply, row);
  });

  app.delete(p, { config: verified, schema: { params: IdParams } }, async (request) => {
    const user = currentUser(request);
    const { id } = request.params as { id: string };
    if (user.role !== 'admin') {
      if (!(await userMay(ctx, user, 'chat.delete'))) throw new ApiError(401, ERROR_MESSAGES.ACCESS_PROHIBITED);
      await owned(request, ERROR_MESSAGES.NOT_FOUND);
    }
    if (!(await chats.deleteOne(id))) throw new ApiError(401, ERROR_MESSAGES.NOT_FOUND);
    return true;
  });

  /** The chat a message route may touch: the caller's, or any for an admin (like the original). */
  const messageChat = async (request: FastifyRequest) => {
    const user = currentUser(request);
    // Only the owner: on SQLite the columns after the document cost a walk over all of its pages.
    const owner = await chats.repo.ownerOf((request.params as { id: string }).id);
    if (owner === undefined || (owner !== user.id && user.role !== 'admin')) throw new ApiError(401, ERROR_MESSAGES.ACCESS_PROHIBITED);
    return owner;
  };

  // The original answers with the whole chat; `Prefer: return=minimal` (RFC 7240) asks for ids only,
  // so that our UI's write into a 30 MB chat does not bring the 30 MB back.
  app.post(`${p}/messages/:message_id`, { config: verified, schema: { params: MessageParams, body: MessageForm } }, async (request, reply) => {
    const { id, message_id } = request.params as { id: string; message_id: string };
    await messageChat(request);
    const form = request.body as MessageForm;
    const written = await chats.writeMessage(id, {
      messageId: message_id,
      ...(form.content !== undefined ? { content: form.content } : {}),
      ...(form.role !== undefined ? { role: form.role } : {}),
      ...(form.parentId !== undefined ? { parentId: form.parentId } : {}),
      ...(form.fields !== undefined ? { fields: form.fields } : {}),
      ...(form.current !== undefined ? { current: form.current } : {}),
    });
    if (!written) throw new ApiError(401, ERROR_MESSAGES.ACCESS_PROHIBITED);
    if (prefersMinimal(request.headers.prefer)) {
      return reply.header('preference-applied', 'return=minimal').send({ id, message_id });
    }
    const row = await chats.repo.findRaw(id); // stored bytes sent as they are (SQLite), like GET
    if (!row) throw new ApiError(401, ERROR_MESSAGES.ACCESS_PROHIBITED);
    return sendChat(reply, row);
  });

  // Events are relayed over Socket.IO; without a connected emitter the original answers false.
  app.post(`${p}/messages/:message_id/event`, { config: verified, schema: { params: MessageParams, body: EventForm } }, async (request) => {
    await messageChat(request);
    return false;
  });

  app.get(`${p}/pinned`, { config: verified, schema: { params: IdParams } }, async (request) => {
    return Boolean((await owned(request, ERROR_MESSAGES.DEFAULT())).pinned);
  });

  app.post(`${p}/pin`, { config: verified, schema: { params: IdParams } }, async (request, reply) => {
    return sendChat(reply, await chats.togglePinned(await owned(request, ERROR_MESSAGES.DEFAULT())));
  });

  app.post(`${p}/clone`, { config: verified, schema: { params: IdParams, body: CloneForm.optional() } }, async (request, reply) => {
    const row = await owned(request, ERROR_MESSAGES.DEFAULT());
    return sendChat(reply, await chats.clone(row, currentUser(request).id, (request.body as CloneForm | undefined)?.title));
  });

  app.post(`${p}/clone/shared`, { config: verified, schema: { params: IdParams } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    let row = await chats.repo.findByShareId(id);
    if (!row && adminMaySeeAll(request)) row = await chats.repo.find(id);
    if (!row) throw new ApiError(401, ERROR_MESSAGES.NOT_FOUND);
    return sendChat(reply, await chats.clone(row, currentUser(request).id));
  });

  app.post(`${p}/archive`, { config: verified, schema: { params: IdParams } }, async (request, reply) => {
    return sendChat(reply, await chats.toggleArchived(await owned(request, ERROR_MESSAGES.DEFAULT())));
  });

  app.post(`${p}/share`, { config: verified, schema: { params: IdParams } }, async (request, reply) => {
    const user = currentUser(request);
    if (!(await userMay(ctx, user, 'chat.share'))) throw new ApiError(401, ERROR_MESSAGES.ACCESS_PROHIBITED);
    return sendChat(reply, await chats.share(await owned(request, ERROR_MESSAGES.ACCESS_PROHIBITED)));
  });

  app.delete(`${p}/share`, { config: verified, schema: { params: IdParams } }, async (request) => {
    return chats.unshare(await owned(request, ERROR_MESSAGES.ACCESS_PROHIBITED));
  });

  app.post(`${p}/folder`, { config: verified, schema: { params: IdParams, body: ChatFolderIdForm } }, async (request, reply) => {
    const row = await owned(request, ERROR_MESSAGES.DEFAULT());
    return sendChat(reply, await chats.setFolder(row, (request.body as ChatFolderIdForm).folder_id ?? null));
  });

  app.get(`${p}/tags`, { config: verified, schema: { params: IdParams } }, async (request) => {
    return chats.chatTags(await owned(request, ERROR_MESSAGES.NOT_FOUND));
  });

  app.post(`${p}/tags`, { config: verified, schema: { params: IdParams, body: TagForm } }, async (request) => {
    const row = await owned(request, ERROR_MESSAGES.DEFAULT());
    const { name } = request.body as TagForm;
    if (tagIdFromName(name) === 'none') throw new ApiError(400, ERROR_MESSAGES.DEFAULT("Tag name cannot be 'None'"));
    return chats.addTag(row, name);
  });

  app.delete(`${p}/tags`, { config: verified, schema: { params: IdParams, body: TagForm } }, async (request) => {
    return chats.removeTag(await owned(request, ERROR_MESSAGES.NOT_FOUND), (request.body as TagForm).name);
  });

  app.delete(`${p}/tags/all`, { config: verified, schema: { params: IdParams } }, async (request) => {
    return chats.removeAllTags(await owned(request, ERROR_MESSAGES.NOT_FOUND));
  });
}

/** Whether a `Prefer` header asks for `return=minimal` (RFC 7240: comma-separated, parameters after `;`). */
function prefersMinimal(header: string | string[] | undefined): boolean {
  const all = Array.isArray(header) ? header.join(',') : (header ?? '');
  return all.split(',').some((p) => p.split(';')[0]!.replace(/\s+/g, '').toLowerCase() === 'return=minimal');
}

import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { getOwn } from '../../security/own-keys.js';
import type { ChatRow, RawChatRow } from './chats.repository.js';
import { chatListJson, chatResponseBody } from './chats.response.js';

/** A path segment: PostgreSQL text cannot carry U+0000, so such ids are rejected as input errors. */
export const PathText = z.string().refine((s) => !s.includes('\0'), 'must not contain NUL characters');

export function sendChat(reply: FastifyReply, row: ChatRow | RawChatRow) {
  return reply.type('application/json; charset=utf-8').send(chatResponseBody(row));
}
export function sendChats(reply: FastifyReply, rows: ChatRow[]) {
  return reply.type('application/json; charset=utf-8').send(chatListJson(rows));
}

/** USER_PERMISSIONS lookups for plain users; a permission nobody configured is granted (original defaults). */
export function userMay(ctx: AppContext, role: string, path: string): boolean {
  if (role === 'admin') return true;
  let node: unknown = ctx.settings.get('USER_PERMISSIONS');
  for (const part of path.split('.')) {
    if (!node || typeof node !== 'object') return true;
    node = getOwn(node, part);
  }
  return node === undefined || node === null ? true : Boolean(node);
}


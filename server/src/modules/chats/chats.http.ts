import type { UserModel } from '@owui/contracts';
import { hasPermission, type PermissionKey } from '../users/permissions.js';
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

/** The caller's effective permission (defaults merged with their groups, modules/users/permissions.ts). */
export function userMay(ctx: AppContext, user: UserModel, path: PermissionKey): Promise<boolean> {
  return hasPermission(ctx, user, path);
}

import type { ChatResponse } from '@owui/contracts';
import { storedJsonObject } from '../../plugins/json-limits.js';
import type { ChatHead, ChatRow, RawChatRow } from './chats.repository.js';

/**
 * ChatResponse bodies are written as text around the stored JSON: a chat can be tens of megabytes,
 * and parsing it only to serialise it again would cost more than the database read. Every write path
 * stores `JSON.stringify` output, so the stored text is already valid JSON.
 */
export function chatResponseJson(row: ChatRow): string {
  const [before, after] = around(row);
  return before + storedJson(row.chat) + after;
}

/** Same body from a row whose document is raw UTF-8 bytes (SQLite `findRaw`). */
export function chatResponseBody(row: RawChatRow): string | Buffer {
  if (typeof row.chat === 'string') return chatResponseJson(row as ChatRow);
  const [before, after] = around(row);
  // Stored bytes, or the pieces of a merged document (chats.overlay-merge.ts), copied once into the body.
  const parts = Array.isArray(row.chat) ? row.chat.filter((b) => b.length > 0) : [row.chat];
  const first = parts[0];
  const last = parts[parts.length - 1];
  const isObject = first !== undefined && last !== undefined && first[0] === 123 && last[last.length - 1] === 125;
  return Buffer.concat([Buffer.from(before), ...(isObject ? parts : [Buffer.from(storedJson(Buffer.concat(parts).toString('utf8')))]), Buffer.from(after)]);
}

function around(row: ChatHead): [string, string] {
  return [
    `{"id":${JSON.stringify(row.id)},"user_id":${JSON.stringify(row.user_id)},"title":${JSON.stringify(row.title)},"chat":`,
    `,"updated_at":${Number(row.updated_at)},"created_at":${Number(row.created_at)}` +
      `,"share_id":${JSON.stringify(row.share_id ?? null)},"archived":${Boolean(row.archived)},"pinned":${Boolean(row.pinned)}` +
      `,"meta":${storedJson(row.meta)},"folder_id":${JSON.stringify(row.folder_id ?? null)}}`,
  ];
}

export function chatListJson(rows: ChatRow[]): string {
  // Lists check each stored document: one row whose text is not valid JSON (written by another program,
  // or nested past the edge's bound before it existed) must not make the whole list unreadable.
  const sound = (row: ChatRow): ChatRow =>
    storedJsonObject(row.chat) && (!row.meta || storedJsonObject(row.meta)) ? row : { ...row, chat: storedJsonObject(row.chat) ? row.chat : '{}', meta: '{}' };
  return `[${rows.map((row) => chatResponseJson(sound(row))).join(',')}]`;
}

/** Stored object text, or `{}` for an empty/foreign value that is not a JSON object. */
function storedJson(text: string | null): string {
  if (!text) return '{}';
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  if (first === 123 /* { */ && last === 125 /* } */) return text;
  const trimmed = text.trim();
  if (trimmed.startsWith('{') && trimmed.endsWith('}')) return trimmed;
  return '{}';
}

export function parseObject(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A parsed ChatResponse, for service code that needs the object (small chats, tests). */
export function toChatResponse(row: ChatRow): ChatResponse {
  return { ...headFields(row), chat: parseObject(row.chat) };
}

export function headFields(row: ChatHead): Omit<ChatResponse, 'chat'> {
  return {
    id: row.id,
    user_id: row.user_id,
    title: row.title,
    updated_at: Number(row.updated_at),
    created_at: Number(row.created_at),
    share_id: row.share_id ?? null,
    archived: Boolean(row.archived),
    pinned: Boolean(row.pinned),
    meta: parseObject(row.meta),
    folder_id: row.folder_id ?? null,
  };
}

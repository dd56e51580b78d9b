/**
 * Edits to the frontend-defined `chat.history` tree: `messages` is a map of nodes linked by
 * `parentId` / `childrenIds`, `currentId` names the leaf being shown.
 */
import { assignOwn, getOwn, setOwn } from '../../security/own-keys.js';

export type JsonObject = Record<string, unknown>;

export interface MessageUpsert {
  messageId: string;
  /** Full content (replace) or the text to add (append). */
  content?: string;
  mode?: 'replace' | 'append';
  /** Parent of a message that does not exist yet; defaults to the current leaf. */
  parentId?: string | null;
  /** Role of a message that does not exist yet; default `assistant`. */
  role?: string;
  /** Other keys merged into the message (model, done, error, info, …). */
  fields?: JsonObject;
  /** false: `history.currentId` stays where it is (default: the message becomes the current leaf). */
  current?: boolean;
}

const isObject = (v: unknown): v is JsonObject => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

export function titleOf(chat: JsonObject): string {
  const t = chat.title;
  if (t === undefined || t === null) return 'New Chat';
  return stripNul(typeof t === 'string' ? t : typeof t === 'object' ? JSON.stringify(t) : String(t));
}

/** PostgreSQL text cannot hold U+0000; JSON text escapes it, plain columns must drop it. */
export function stripNul(s: string): string {
  return s.includes('\0') ? s.replaceAll('\0', '') : s;
}

/**
 * The document's `history` and its `messages` map, created (as own keys) where missing or not objects,
 * so callers can write messages into them.
 */
export function historyOf(chat: JsonObject): { history: JsonObject; messages: JsonObject } {
  const storedHistory = getOwn(chat, 'history');
  const history: JsonObject = isObject(storedHistory) ? storedHistory : {};
  if (history !== storedHistory) setOwn(chat, 'history', history);
  const storedMessages = getOwn(history, 'messages');
  const messages: JsonObject = isObject(storedMessages) ? storedMessages : {};
  if (messages !== storedMessages) setOwn(history, 'messages', messages);
  return { history, messages };
}

/**
 * Creates or updates one message in place and makes it the current leaf. A new message is linked
 * under its parent (added to the parent's `childrenIds`). Returns the message object.
 */
export function upsertMessage(chat: JsonObject, up: MessageUpsert, now = Math.floor(Date.now() / 1000)): JsonObject {
  // Message ids come from clients: every lookup and write is on own properties, so an id such as
  // `__proto__` is an ordinary key of the stored document and never reaches Object.prototype.
  const { history, messages } = historyOf(chat);
  let message = getOwn(messages, up.messageId);
  if (!isObject(message)) {
    const currentId = getOwn(history, 'currentId');
    const parentId = up.parentId !== undefined ? up.parentId : typeof currentId === 'string' ? currentId : null;
    message = { id: up.messageId, parentId: parentId ?? null, childrenIds: [], role: up.role ?? 'assistant', content: '', timestamp: now };
    setOwn(messages, up.messageId, message);
    const parent = parentId ? getOwn(messages, parentId) : undefined;
    if (isObject(parent)) {
      const stored = getOwn(parent, 'childrenIds');
      const children = Array.isArray(stored) ? (stored as unknown[]) : [];
      if (children !== stored) setOwn(parent, 'childrenIds', children);
      if (!children.includes(up.messageId)) children.push(up.messageId);
    }
  }
  const msg = message as JsonObject;
  if (up.fields) assignOwn(msg, up.fields);
  if (up.content !== undefined) {
    const stored = getOwn(msg, 'content');
    const before = typeof stored === 'string' ? stored : '';
    setOwn(msg, 'content', up.mode === 'append' ? before + up.content : up.content);
  }
  if (up.current !== false) setOwn(history, 'currentId', up.messageId);
  syncBranchList(chat);
  return msg;
}

/**
 * The UI's top-level `messages` (a copy of the branch from the root to `history.currentId`, what
 * the original UI and exports read), made to match the tree again; left out when the chat has none.
 */
export function syncBranchList(chat: JsonObject): void {
  if (!Object.prototype.hasOwnProperty.call(chat, 'messages')) return;
  const history = getOwn(chat, 'history');
  const messages = isObject(history) ? getOwn(history, 'messages') : undefined;
  const nodes = isObject(messages) ? messages : {};
  const out: unknown[] = [];
  const seen = new Set<string>();
  let id = isObject(history) ? getOwn(history, 'currentId') : undefined;
  while (typeof id === 'string' && id && !seen.has(id)) {
    const node = getOwn(nodes, id);
    if (!isObject(node)) break;
    seen.add(id);
    out.push(node);
    id = getOwn(node, 'parentId');
  }
  setOwn(chat, 'messages', out.reverse());
}

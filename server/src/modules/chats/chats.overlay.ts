/**
 * The change one overlay row (`chat_message_overlay`) holds for one message node: every
 * `MessageUpsert` written to that message since the document was last rewritten, composed into one
 * value. Replaying the rows of a chat in `first_seq` order over the stored document gives the same
 * document the writes would have produced one after another with `upsertMessage` (chats.history.ts):
 * - `create` is what a write makes of a message the document does not hold (role, parent, time);
 *   `parentId` absent means "the stored document's current leaf", which only rows written while
 *   no row had moved the leaf use (the others get the leaf resolved at write time);
 * - `fields` are assigned in write order, `content` (when present) is the last value set, `append`
 *   the text appended after it (or after the stored content when nothing was set).
 * Keys from clients go through the own-key helpers: `__proto__` is a key like any other.
 */
import { assignOwn, getOwn, setOwn } from '../../security/own-keys.js';
import { historyOf, syncBranchList, type JsonObject, type MessageUpsert } from './chats.history.js';

export interface OverlayOp {
  create: { role: string; parentId?: string | null; timestamp: number };
  fields: JsonObject;
  /** Present when a write set the content (the last value set). */
  content?: unknown;
  append: string;
  /**
   * history.currentId after the row's last write, when that write did not make its own message the
   * leaf (`current: false`): the leaf it found, an id (or null), or `{ stored: true }` for the stored
   * document's own. Absent: the row's message is the leaf (what every write did before).
   */
  leaf?: string | null | StoredLeaf;
}

/** The stored document's `history.currentId`, whatever it is. */
export interface StoredLeaf {
  stored: true;
}
export type Leaf = string | null | StoredLeaf;
export const STORED_LEAF: StoredLeaf = { stored: true };

export interface OverlayRow {
  message_id: string;
  first_seq: number;
  last_seq: number;
  op: string;
  updated_at?: number;
}

export const isObject = (v: unknown): v is JsonObject => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

/**
 * `prev` (the row's op, if any) followed by `up`. `parentId` is the parent resolved for a first write,
 * `leafBefore` the chat's leaf before this write (kept when `up.current` is false).
 */
export function composeOp(prev: OverlayOp | undefined, up: MessageUpsert, now: number, parentId: string | null | undefined, leafBefore: Leaf = STORED_LEAF): OverlayOp {
  // (`leaf` is not carried over: each write decides the leaf anew.)
  const op: OverlayOp = prev
    ? { create: prev.create, fields: assignOwn({}, prev.fields), append: prev.append, ...(hasContent(prev) ? { content: prev.content } : {}) }
    : { create: { role: up.role ?? 'assistant', ...(parentId !== undefined ? { parentId } : {}), timestamp: now }, fields: {}, append: '' };
  if (up.fields) {
    for (const key of Object.keys(up.fields)) {
      const value = getOwn(up.fields, key);
      // `content` among the fields sets the content like a replace (then `up.content` applies after it).
      if (key === 'content') setContent(op, value);
      else setOwn(op.fields, key, value);
    }
  }
  if (up.content !== undefined) {
    if (up.mode === 'append') op.append += up.content;
    else setContent(op, up.content);
  }
  if (up.current === false) op.leaf = leafBefore;
  return op;
}

/** The leaf after a row: its message, or what its last write kept. */
export function leafAfter(messageId: string, op: OverlayOp): Leaf {
  return op.leaf === undefined ? messageId : op.leaf;
}

export const isStoredLeaf = (l: Leaf | undefined): l is StoredLeaf => isObject(l);

function setContent(op: OverlayOp, value: unknown): void {
  setOwn(op, 'content', value);
  op.append = '';
}

export const hasContent = (op: OverlayOp): boolean => Object.prototype.hasOwnProperty.call(op, 'content');

/** The message's content after the op, when it does not depend on what the document holds. */
export function knownContent(op: OverlayOp): string | undefined {
  if (!hasContent(op)) return undefined;
  const set = op.content;
  return op.append ? (typeof set === 'string' ? set : '') + op.append : typeof set === 'string' ? set : '';
}

/** Applies the op to a message node in place (the node the document holds, or a new one). */
export function applyOp(node: JsonObject, op: OverlayOp): void {
  assignOwn(node, op.fields);
  if (hasContent(op)) setOwn(node, 'content', op.content);
  if (op.append) {
    const stored = getOwn(node, 'content');
    setOwn(node, 'content', (typeof stored === 'string' ? stored : '') + op.append);
  }
}

/** A node for a message the document does not hold, under `parentId`. */
export function newNode(id: string, op: OverlayOp, parentId: string | null): JsonObject {
  return { id, parentId, childrenIds: [], role: op.create.role, content: '', timestamp: op.create.timestamp };
}

export function parseOp(text: string): OverlayOp {
  const v = JSON.parse(text) as Partial<OverlayOp>;
  if (!isObject(v) || !isObject(v.create) || !isObject(v.fields) || typeof v.append !== 'string') throw new Error('overlay op is malformed');
  return v as OverlayOp;
}

/** Rows in replay order. */
export function replayOrder<T extends OverlayRow>(rows: T[]): T[] {
  return [...rows].sort((a, b) => Number(a.first_seq) - Number(b.first_seq));
}

/** The row of the chat's latest write. */
export function latestRow<T extends OverlayRow>(rows: T[]): T | undefined {
  let best: T | undefined;
  for (const r of rows) if (!best || Number(r.last_seq) > Number(best.last_seq)) best = r;
  return best;
}

/** history.currentId after the rows: what the latest write left (its message, unless it kept the leaf). */
export function finalLeaf(rows: OverlayRow[], ops: Map<OverlayRow, OverlayOp>): Leaf {
  const best = latestRow(rows);
  return best ? leafAfter(best.message_id, ops.get(best) ?? parseOp(best.op)) : STORED_LEAF;
}

/** The branch from the root to `leaf` (the UI's top-level `messages`), given a node lookup. */
export function branchIds(leaf: unknown, parentOf: (id: string) => { parentId: unknown } | undefined): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let id = leaf;
  while (typeof id === 'string' && id && !seen.has(id)) {
    const node = parentOf(id);
    if (!node) break;
    seen.add(id);
    out.push(id);
    id = node.parentId;
  }
  return out.reverse();
}

/**
 * Replays the rows over a parsed chat document (the path for documents the splice cannot scan, and
 * the reference the splice must match). Returns the document (changed in place when it is an object).
 */
export function replayOnObject(chat: JsonObject, rows: OverlayRow[]): JsonObject {
  if (rows.length === 0) return chat;
  const { history, messages } = historyOf(chat);
  const storedLeaf = getOwn(history, 'currentId');
  const ops = new Map<OverlayRow, OverlayOp>();
  for (const row of replayOrder(rows)) {
    const op = parseOp(row.op);
    ops.set(row, op);
    let node = getOwn(messages, row.message_id);
    if (!isObject(node)) {
      const parentId = op.create.parentId !== undefined ? op.create.parentId : typeof storedLeaf === 'string' ? storedLeaf : null;
      node = newNode(row.message_id, op, parentId ?? null);
      setOwn(messages, row.message_id, node);
      const parent = parentId ? getOwn(messages, parentId) : undefined;
      if (isObject(parent)) linkChild(parent, row.message_id);
    }
    applyOp(node as JsonObject, op);
  }
  const leaf = finalLeaf(rows, ops);
  if (!isStoredLeaf(leaf)) setOwn(history, 'currentId', leaf);
  // The UI's flat `messages` (the branch to the leaf, what the original UI and export read) follows.
  syncBranchList(chat);
  return chat;
}

/** Adds `id` to the node's `childrenIds` (made an array if it is not one); false when already there. */
export function linkChild(parent: JsonObject, id: string): boolean {
  const stored = getOwn(parent, 'childrenIds');
  const children = Array.isArray(stored) ? (stored as unknown[]) : [];
  if (children !== stored) setOwn(parent, 'childrenIds', children);
  if (children.includes(id)) return children !== stored;
  children.push(id);
  return true;
}

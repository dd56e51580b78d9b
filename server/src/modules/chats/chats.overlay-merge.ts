/**
 * The one merged read of a chat document: the stored text with its overlay rows (chats.overlay.ts)
 * spliced in. One pass of the scanner of chats.doc-splice.ts finds `history`, `history.currentId` and
 * the message nodes; only the nodes the rows touch (and the parents new messages hang under) are
 * parsed and re-serialised, new nodes go before the closing brace of `history.messages`. So a reader
 * of a 30 MB chat with a few overlay rows pays a scan and one copy, not JSON.parse + JSON.stringify.
 * The top-level `messages` list (the branch to the leaf) is rebuilt from the spans of the nodes on
 * the branch, whose `parentId` a scan of each node's first keys finds (the content is not read).
 * A document the scanner cannot read (not JSON.stringify output, no `history` object...) takes the
 * parsing path, `replayOnObject`, which the splice matches value for value.
 */
import { getOwn } from '../../security/own-keys.js';
import type { JsonObject } from './chats.history.js';
import { byKey, Scanner, type Entry, type ObjectSpan } from './chats.doc-splice.js';
import { applyOp, branchIds, finalLeaf, isObject, isStoredLeaf, linkChild, newNode, parseOp, replayOnObject, replayOrder, type OverlayOp, type OverlayRow } from './chats.overlay.js';

type Doc = string | Buffer;

/** The document with the rows applied (the same value when there are none). */
export function mergeOverlay(doc: Doc, rows: OverlayRow[]): Doc {
  const out = mergeOverlayParts(doc, rows);
  return Array.isArray(out) ? Buffer.concat(out) : out;
}

/**
 * Same, but stored bytes come back as the pieces of the merged document (views of the stored bytes
 * and the spliced nodes): the response writes them into its one buffer, so the 30 MB are copied once,
 * like an unmerged read (a separate copy here costs ~20 ms, mostly page faults of the new buffer).
 */
export function mergeOverlayParts(doc: Doc, rows: OverlayRow[]): Doc | Buffer[] {
  if (rows.length === 0) return doc;
  try {
    const spliced = splice(doc, rows);
    if (spliced !== null) return spliced;
  } catch {
    // fall through to the parsing path
  }
  const text = typeof doc === 'string' ? doc : doc.toString('utf8');
  let chat: unknown;
  try {
    chat = JSON.parse(text);
  } catch {
    chat = {};
  }
  const out = JSON.stringify(replayOnObject(isObject(chat) ? chat : {}, rows));
  return typeof doc === 'string' ? out : Buffer.from(out);
}

/** `history`'s entries, with the entries of `history.messages` from the same pass. */
function scanHistory(s: Scanner, start: number): { entries: Entry[]; close: number; messages?: ObjectSpan & { start: number } } {
  if (s.code(start) !== 0x7b) throw new Error('not an object');
  const entries: Entry[] = [];
  let messages: (ObjectSpan & { start: number }) | undefined;
  let j = s.ws(start + 1);
  if (s.code(j) === 0x7d) return { entries, close: j };
  for (;;) {
    if (s.code(j) !== 0x22) throw new Error('expected a key');
    const keyEnd = s.string(j);
    const key = JSON.parse(s.text(j, keyEnd)) as string;
    j = s.ws(keyEnd);
    if (s.code(j) !== 0x3a) throw new Error('expected a colon');
    const valueStart = s.ws(j + 1);
    let end: number;
    if (key === 'messages' && s.code(valueStart) === 0x7b) {
      const span = s.object(valueStart);
      messages = { ...span, start: valueStart };
      end = span.close + 1;
    } else {
      end = s.value(valueStart);
      if (key === 'messages') messages = undefined;
    }
    entries.push({ key, start: valueStart, end });
    j = s.ws(end);
    const c = s.code(j);
    if (c === 0x7d) return { entries, close: j, messages };
    if (c !== 0x2c) throw new Error('expected a comma');
    j = s.ws(j + 1);
  }
}

/** Replaces [start, end) with the pieces: new text, or spans [from, to) of the stored document. */
interface Edit {
  start: number;
  end: number;
  text: string | Array<string | [number, number]>;
}

function splice(doc: Doc, rows: OverlayRow[]): string | Buffer[] | null {
  const s = new Scanner(doc);
  // Stored documents are JSON.stringify output (no duplicate keys).
  const topSpan = s.object(s.ws(0));
  const top = byKey(topSpan.entries);
  const historyEntry = top.get('history');
  if (!historyEntry || s.code(historyEntry.start) !== 0x7b) return null;
  const history = scanHistory(s, historyEntry.start);
  const messages = history.messages;
  if (!messages) return null;
  const historyKeys = byKey(history.entries);
  const stored = byKey(messages.entries);
  const parse = (e: Entry): unknown => JSON.parse(s.text(e.start, e.end));

  const currentEntry = historyKeys.get('currentId');
  const storedLeaf = currentEntry ? parse(currentEntry) : undefined;
  /** Stored nodes read so far (Map: ids are client data), and which of them changed. */
  const read = new Map<string, JsonObject>();
  const changed = new Set<string>();
  const created = new Map<string, JsonObject>();
  const nodeOf = (id: string): JsonObject | undefined => {
    const fresh = created.get(id) ?? read.get(id);
    if (fresh) return fresh;
    const e = stored.get(id);
    const v = e ? parse(e) : undefined;
    if (!isObject(v)) return undefined;
    read.set(id, v);
    return v;
  };

  const ops = new Map<OverlayRow, OverlayOp>();
  for (const row of replayOrder(rows)) {
    const op = parseOp(row.op);
    ops.set(row, op);
    const id = row.message_id;
    let node = nodeOf(id);
    if (!node) {
      const given = op.create.parentId;
      const parentId = given !== undefined ? given : typeof storedLeaf === 'string' ? storedLeaf : null;
      node = newNode(id, op, parentId ?? null);
      // A stored value that is not an object is replaced where it stands, like upsertMessage does.
      if (stored.has(id)) {
        read.set(id, node);
        changed.add(id);
      } else created.set(id, node);
      const parent = parentId ? nodeOf(parentId) : undefined;
      if (parent && linkChild(parent, id) && !created.has(parentId!)) changed.add(parentId!);
    } else if (!created.has(id)) changed.add(id);
    applyOp(node, op);
  }

  const edits: Edit[] = [];
  for (const id of changed) {
    const e = stored.get(id)!;
    edits.push({ start: e.start, end: e.end, text: JSON.stringify(read.get(id)) });
  }
  if (created.size) {
    let text = '';
    let first = messages.entries.length === 0;
    for (const [id, node] of created) {
      text += `${first ? '' : ','}${JSON.stringify(id)}:${JSON.stringify(node)}`;
      first = false;
    }
    edits.push({ start: messages.close, end: messages.close, text });
  }
  const leaf = finalLeaf(rows, ops);
  if (!isStoredLeaf(leaf)) {
    const currentText = JSON.stringify(leaf);
    if (currentEntry) edits.push({ start: currentEntry.start, end: currentEntry.end, text: currentText });
    else edits.push({ start: history.close, end: history.close, text: `${history.entries.length ? ',' : ''}"currentId":${currentText}` });
  }
  const list = top.get('messages');
  if (list) edits.push({ start: list.start, end: list.end, text: branchList(s, isStoredLeaf(leaf) ? storedLeaf : leaf, stored, read, changed, created) });
  edits.sort((a, b) => a.start - b.start);

  const span = (e: Edit) => (typeof e.text === 'string' ? [e.text] : e.text);
  if (typeof doc === 'string') {
    let out = '';
    let pos = 0;
    for (const e of edits) {
      out += doc.slice(pos, e.start);
      for (const p of span(e)) out += typeof p === 'string' ? p : doc.slice(p[0], p[1]);
      pos = e.end;
    }
    return out + doc.slice(pos);
  }
  const parts: Buffer[] = [];
  let pos = 0;
  for (const e of edits) {
    parts.push(doc.subarray(pos, e.start));
    for (const p of span(e)) parts.push(typeof p === 'string' ? Buffer.from(p) : doc.subarray(p[0], p[1]));
    pos = e.end;
  }
  parts.push(doc.subarray(pos));
  return parts;
}

/**
 * The top-level `messages` list for `leaf`: the nodes of its branch as they stand after the rows
 * (new and changed nodes as re-serialised, the others as the spans of their stored text).
 */
function branchList(s: Scanner, leaf: unknown, stored: Map<string, Entry>, read: Map<string, JsonObject>, changed: Set<string>, created: Map<string, JsonObject>): Array<string | [number, number]> {
  const parsed = (id: string) => created.get(id) ?? read.get(id);
  const parentOf = (id: string): { parentId: unknown } | undefined => {
    const node = parsed(id);
    if (node) return { parentId: getOwn(node, 'parentId') };
    const e = stored.get(id);
    if (!e || s.code(e.start) !== 0x7b) return undefined;
    // Scans the node's keys only up to `parentId` (the UI writes it second, before the content).
    const p = byKey(s.object(e.start, 'parentId', 'parentId').entries).get('parentId');
    return { parentId: p ? (JSON.parse(s.text(p.start, p.end)) as unknown) : undefined };
  };
  const out: Array<string | [number, number]> = ['['];
  branchIds(leaf, parentOf).forEach((id, i) => {
    if (i) out.push(',');
    const node = parsed(id);
    if (node && (created.has(id) || changed.has(id))) out.push(JSON.stringify(node));
    else {
      const e = stored.get(id)!;
      out.push([e.start, e.end]);
    }
  });
  out.push(']');
  return out;
}

/** The stored node of one message, found with the same scan (null: the document does not hold it). */
export function storedNode(doc: Doc, id: string): JsonObject | null {
  try {
    const s = new Scanner(doc);
    const top = byKey(s.object(s.ws(0), 'history', 'history').entries);
    const historyEntry = top.get('history');
    if (!historyEntry || s.code(historyEntry.start) !== 0x7b) return null;
    let e: Entry | undefined;
    for (const x of scanHistory(s, historyEntry.start).messages?.entries ?? []) if (x.key === id) e = x;
    const v: unknown = e ? JSON.parse(s.text(e.start, e.end)) : null;
    return isObject(v) ? v : null;
  } catch {
    const text = typeof doc === 'string' ? doc : doc.toString('utf8');
    try {
      const chat: unknown = JSON.parse(text);
      const history = isObject(chat) ? getOwn(chat, 'history') : undefined;
      const messages = isObject(history) ? getOwn(history, 'messages') : undefined;
      const v = isObject(messages) ? getOwn(messages, id) : undefined;
      return isObject(v) ? v : null;
    } catch {
      return null;
    }
  }
}

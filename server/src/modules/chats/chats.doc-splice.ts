/**
 * Writes one message into a stored chat document without parsing the document: a scanner finds the
 * spans of `history`, `history.messages`, `history.currentId` and the two message nodes involved (the
 * message and, for a new one, its parent) in the stored text, only those small nodes are parsed and
 * re-serialised, and the new document is the old one with those spans replaced. For a 30 MB chat this
 * is a few indexOf sweeps instead of JSON.parse + JSON.stringify of 30 MB on the event loop.
 *
 * The result is the same document `upsertMessage` (chats.history.ts) produces, byte for byte apart from
 * the whitespace of untouched parts. Anything unusual (not an object where one is expected, a message
 * that is its own parent, text that does not scan) returns null and the caller takes the parsing path.
 * Message ids are looked up in a Map, so `__proto__` or `constructor` are ids like any other.
 */
import type { JsonObject, MessageUpsert } from './chats.history.js';
import { titleOf } from './chats.history.js';

type Doc = string | Buffer;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export interface Entry {
  key: string;
  /** Value span [start, end) in the document. */
  start: number;
  end: number;
}

export interface ObjectSpan {
  entries: Entry[];
  /** Index of the closing brace. */
  close: number;
}

export class Scanner {
  readonly #str: string | undefined;
  readonly #buf: Buffer | undefined;
  constructor(private readonly doc: Doc) {
    if (typeof doc === 'string') this.#str = doc;
    else this.#buf = doc;
  }

  code(i: number): number {
    return this.#buf ? (this.#buf[i] ?? NaN) : this.#str!.charCodeAt(i);
  }

  text(start: number, end: number): string {
    return typeof this.doc === 'string' ? this.doc.slice(start, end) : this.doc.toString('utf8', start, end);
  }

  ws(i: number): number {
    for (let c = this.code(i); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = this.code(++i));
    return i;
  }

  /** `i` is at an opening quote; returns the index after the closing one. */
  string(i: number): number {
    let from = i + 1;
    for (;;) {
      const q = this.#buf ? this.#buf.indexOf(QUOTE, from) : this.#str!.indexOf('"', from);
      if (q < 0) throw new Error('unterminated string');
      let k = q - 1;
      while (this.code(k) === BACKSLASH) k--;
      if ((q - 1 - k) % 2 === 0) return q + 1;
      from = q + 1;
    }
  }

  /** Returns the index after the value starting at `i` (no whitespace before it). */
  value(i: number): number {
    const c = this.code(i);
    if (c === QUOTE) return this.string(i);
    if (c !== 0x7b && c !== 0x5b) {
      // number, true, false, null: up to the next delimiter
      let j = i;
      for (let d = this.code(j); j < this.length && d !== 0x2c && d !== 0x7d && d !== 0x5d && d !== 0x20 && d !== 0x0a && d !== 0x0d && d !== 0x09; d = this.code(++j));
      if (j === i) throw new Error('empty value');
      return j;
    }
    let depth = 0;
    for (let j = i; j < this.length; ) {
      const d = this.code(j);
      if (d === QUOTE) {
        j = this.string(j);
        continue;
      }
      if (d === 0x7b || d === 0x5b) depth++;
      else if ((d === 0x7d || d === 0x5d) && --depth === 0) return j + 1;
      j++;
    }
    throw new Error('unterminated value');
  }

  get length(): number {
    return this.doc.length;
  }

  /**
   * The entries of the object whose `{` is at `i`. With `until`, stops after the entry of that key
   * once `also` has been seen too (or is absent so far: then it scans on), returning close = -1.
   */
  object(i: number, until?: string, also?: string): ObjectSpan {
    if (this.code(i) !== 0x7b) throw new Error('not an object');
    const entries: Entry[] = [];
    let j = this.ws(i + 1);
    if (this.code(j) === 0x7d) return { entries, close: j };
    for (;;) {
      if (this.code(j) !== QUOTE) throw new Error('expected a key');
      const keyEnd = this.string(j);
      const key = JSON.parse(this.text(j, keyEnd)) as string;
      j = this.ws(keyEnd);
      if (this.code(j) !== 0x3a) throw new Error('expected a colon');
      const start = this.ws(j + 1);
      const end = this.value(start);
      entries.push({ key, start, end });
      if (until !== undefined && key === until && entries.some((e) => e.key === also)) return { entries, close: -1 };
      j = this.ws(end);
      const c = this.code(j);
      if (c === 0x7d) return { entries, close: j };
      if (c !== 0x2c) throw new Error('expected a comma');
      j = this.ws(j + 1);
    }
  }
}

/** The last entry of each key (JSON.parse keeps the last of duplicate keys too). */
export function byKey(entries: Entry[]): Map<string, Entry> {
  const m = new Map<string, Entry>();
  for (const e of entries) m.set(e.key, e);
  return m;
}

const isObject = (v: unknown): v is JsonObject => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

/** Own-property assignment (a `__proto__` key stays a key, never a prototype change). */
function assignOwn(target: JsonObject, source: JsonObject): void {
  for (const k of Object.keys(source)) Object.defineProperty(target, k, { value: source[k], enumerable: true, writable: true, configurable: true });
}

export interface Spliced {
  doc: Doc;
  content: string;
  title: string;
  /** The new document = before + JSON string of the message content + after. */
  before: Doc;
  after: Doc;
}

interface Edit {
  start: number;
  end: number;
  text: string;
  /** The edit that holds the message (its content is where the template splits). */
  message?: { before: string; after: string };
}

/** The document with `up` applied, or null when the caller should parse the document instead. */
export function spliceMessage(doc: Doc, up: MessageUpsert, now: number): Spliced | null {
  try {
    return splice(doc, up, now);
  } catch {
    return null;
  }
}

function splice(doc: Doc, up: MessageUpsert, now: number): Spliced | null {
  const s = new Scanner(doc);
  // Stored documents are JSON.stringify output (no duplicate keys), so the top level can stop at
  // `history` once `title` is known: the UI puts the 15 MB `messages` list after it.
  const top = byKey(s.object(s.ws(0), 'history', 'title').entries);
  const titleEntry = top.get('title');
  const title = titleOf({ title: titleEntry ? JSON.parse(s.text(titleEntry.start, titleEntry.end)) : undefined });
  const historyEntry = top.get('history');
  if (!historyEntry || s.code(historyEntry.start) !== 0x7b) return null;
  const history = s.object(historyEntry.start);
  const historyKeys = byKey(history.entries);
  const messagesEntry = historyKeys.get('messages');
  if (!messagesEntry || s.code(messagesEntry.start) !== 0x7b) return null;
  const messages = s.object(messagesEntry.start);
  const nodes = byKey(messages.entries);
  const parse = (e: Entry): unknown => JSON.parse(s.text(e.start, e.end));

  const edits: Edit[] = [];
  const own = nodes.get(up.messageId);
  const existing = own ? parse(own) : undefined;
  let msg: JsonObject;
  if (isObject(existing)) {
    msg = existing;
  } else {
    const currentEntry = historyKeys.get('currentId');
    const current = currentEntry ? parse(currentEntry) : undefined;
    const parentId = up.parentId !== undefined ? up.parentId : typeof current === 'string' ? current : null;
    if (parentId === up.messageId) return null;
    msg = { id: up.messageId, parentId: parentId ?? null, childrenIds: [], role: up.role ?? 'assistant', content: '', timestamp: now };
    const parentEntry = parentId ? nodes.get(parentId) : undefined;
    const parent = parentEntry ? parse(parentEntry) : undefined;
    if (parentEntry && isObject(parent)) {
      if (!Array.isArray(parent.childrenIds)) parent.childrenIds = [];
      const children = parent.childrenIds as unknown[];
      if (!children.includes(up.messageId)) {
        children.push(up.messageId);
        edits.push({ start: parentEntry.start, end: parentEntry.end, text: JSON.stringify(parent) });
      }
    }
  }
  if (up.fields) assignOwn(msg, up.fields);
  if (up.content !== undefined) {
    const before = typeof msg.content === 'string' ? msg.content : '';
    msg.content = up.mode === 'append' ? before + up.content : up.content;
  }
  const content = typeof msg.content === 'string' ? msg.content : '';

  // The message text, split around its content so later chunks can be written by concatenation.
  const marker = `\u0001owui-splice-${now}-${Math.random()}`;
  const realContent = msg.content;
  msg.content = marker;
  const withMarker = JSON.stringify(msg);
  msg.content = realContent;
  const quoted = JSON.stringify(marker);
  const at = withMarker.indexOf(quoted);
  const split = { before: withMarker.slice(0, at), after: withMarker.slice(at + quoted.length) };
  if (own) {
    edits.push({ start: own.start, end: own.end, text: '', message: split });
  } else {
    const lead = `${messages.entries.length ? ',' : ''}${JSON.stringify(up.messageId)}:`;
    edits.push({ start: messages.close, end: messages.close, text: '', message: { before: lead + split.before, after: split.after } });
  }
  const currentEntry = historyKeys.get('currentId');
  const currentText = JSON.stringify(up.messageId);
  if (currentEntry) edits.push({ start: currentEntry.start, end: currentEntry.end, text: currentText });
  else edits.push({ start: history.close, end: history.close, text: `${history.entries.length ? ',' : ''}"currentId":${currentText}` });
  edits.sort((a, b) => a.start - b.start);

  // Pieces before and after the message content; the document is before + content + after.
  const pre: Doc[] = [];
  const post: Doc[] = [];
  let out = pre;
  let pos = 0;
  const piece = (text: string): Doc => (typeof doc === 'string' ? text : Buffer.from(text));
  const slice = (a: number, b: number): Doc => (typeof doc === 'string' ? doc.slice(a, b) : doc.subarray(a, b));
  for (const e of edits) {
    out.push(slice(pos, e.start));
    if (e.message) {
      out.push(piece(e.message.before));
      out = post;
      out.push(piece(e.message.after));
    } else {
      out.push(piece(e.text));
    }
    pos = e.end;
  }
  out.push(slice(pos, s.length));
  const middle = JSON.stringify(content);
  if (typeof doc === 'string') {
    const before = (pre as string[]).join('');
    const after = (post as string[]).join('');
    return { doc: before + middle + after, content, title, before, after };
  }
  // One copy of the document; the template's halves are views of it, not two more 30 MB copies.
  const full = Buffer.concat([...(pre as Buffer[]), Buffer.from(middle), ...(post as Buffer[])]);
  const beforeLength = (pre as Buffer[]).reduce((a, b) => a + b.length, 0);
  const before = full.subarray(0, beforeLength);
  const after = full.subarray(beforeLength + Buffer.byteLength(middle));
  return { doc: full, content, title, before, after };
}

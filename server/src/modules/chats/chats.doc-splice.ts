/**
 * A scanner over stored chat JSON (text or UTF-8 bytes) that finds the spans of an object's entries
 * without parsing their values: a few indexOf sweeps instead of JSON.parse of 30 MB. Used to splice
 * overlay rows into a document (chats.overlay-merge.ts) and to patch a document's top level
 * (chats.doc-patch.ts). Keys are kept in arrays and Maps, so `__proto__` is a key like any other.
 */

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

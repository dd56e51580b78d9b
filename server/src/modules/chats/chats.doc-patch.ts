/**
 * `JSON.stringify({ ...stored, ...patch })` for the whole-document save, without parsing the stored
 * document: the scanner of chats.doc-splice.ts finds its top-level entries, the ones the patch does
 * not replace are copied as text. The UI's save brings `history` and `messages` itself, so for a
 * 30 MB chat this skips a 30 MB JSON.parse (and the stringify of what it parsed). The text is the
 * same value JSON.stringify gives (key order included); where the order rules of a JS object would
 * differ (array-index keys sort first) or the stored text is odd (duplicate keys), it returns null
 * and the caller parses.
 */
import { titleOf, type JsonObject } from './chats.history.js';
import { Scanner } from './chats.doc-splice.js';

const INDEX_KEY = /^(0|[1-9]\d*)$/;

export function patchedText(stored: string, patch: JsonObject): { text: string; title: string } | null {
  try {
    const s = new Scanner(stored);
    const top = s.object(s.ws(0));
    if (s.ws(top.close + 1) !== stored.length) return null;
    const seen = new Set<string>();
    for (const e of top.entries) {
      if (seen.has(e.key) || INDEX_KEY.test(e.key)) return null;
      seen.add(e.key);
    }
    const patchKeys = Object.keys(patch);
    if (patchKeys.some((k) => INDEX_KEY.test(k))) return null;
    const has = (k: string) => Object.prototype.hasOwnProperty.call(patch, k);
    const parts: string[] = [];
    let title: unknown;
    for (const e of top.entries) {
      const value = has(e.key) ? JSON.stringify(patch[e.key]) : s.text(e.start, e.end);
      // JSON.stringify leaves out keys whose value it cannot write (undefined; never from a JSON body).
      if (value === undefined) continue;
      parts.push(`${JSON.stringify(e.key)}:${value}`);
      if (e.key === 'title') title = has('title') ? patch.title : JSON.parse(value);
    }
    for (const k of patchKeys) {
      if (seen.has(k)) continue;
      const value = JSON.stringify(patch[k]);
      if (value === undefined) continue;
      parts.push(`${JSON.stringify(k)}:${value}`);
      if (k === 'title') title = patch.title;
    }
    return { text: `{${parts.join(',')}}`, title: titleOf({ title }) };
  } catch {
    return null;
  }
}

/**
 * Whether a non-streamed JSON reply we relay untouched is whole: an object or array that closes, a
 * string that ends in a quote; any other scalar is parsed. A proxy that only relays the text need not
 * build the document (that cost about as much as the rest of the relay). What this catches: an HTML or
 * text page sent as JSON, an empty body, and a document cut short that does not end in its closing
 * bracket. A connection cut mid-reply is undici's error before this runs (length or chunk framing).
 * What it lets through, the client's own parser rejects: a document that ends in a bracket but is
 * broken inside. The original returns any unparsable text to the client as a JSON string.
 */
export function isWholeJson(text: string): boolean {
  let start = 0;
  let end = text.length - 1;
  while (start <= end && isJsonSpace(text.charCodeAt(start))) start++;
  while (end > start && isJsonSpace(text.charCodeAt(end))) end--;
  if (start >= end) return start === end && isParsable(text);
  const first = text.charCodeAt(start);
  const last = text.charCodeAt(end);
  if (first === 0x7b) return last === 0x7d; // { ... }
  if (first === 0x5b) return last === 0x5d; // [ ... ]
  if (first === 0x22) return last === 0x22; // " ... "
  return isParsable(text);
}

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isParsable(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

// @ts-check
/**
 * Text splitters with the semantics of the original's two options (RAG_TEXT_SPLITTER):
 * - character (default): recursive on paragraph, line, word, character boundaries; chunks of at most
 *   `size` characters, consecutive chunks sharing up to `overlap` characters of whole pieces;
 * - token: windows of `size` tokens (tiktoken cl100k_base) advancing by `size - overlap`.
 * Each chunk carries `start`, its character offset in the text (the original's `start_index`).
 * Pure functions, run in the extraction worker.
 */

const SEPARATORS = ['\n\n', '\n', ' ', ''];

/** Splits `text` into pieces no longer than `size`, trying coarse separators first. @returns {string[]} */
function pieces(text, size, seps) {
  if (text.length <= size) return [text];
  const idx = seps.findIndex((s) => s === '' || text.includes(s));
  const sep = seps[idx] ?? '';
  const rest = seps.slice(idx + 1);
  const parts = sep === '' ? Array.from(text) : text.split(sep);
  /** @type {string[]} */
  const out = [];
  parts.forEach((p, i) => {
    // Keep the separator with the piece before it, so joining pieces gives back the text exactly.
    const piece = i < parts.length - 1 ? p + sep : p;
    if (piece === '') return;
    if (piece.length <= size || sep === '') out.push(piece);
    else out.push(...pieces(piece, size, rest));
  });
  return out;
}

/** @param {string} text @param {number} size @param {number} overlap */
function characterSplit(text, size, overlap) {
  const parts = pieces(text, size, SEPARATORS);
  /** @type {{ text: string, start: number }[]} */
  const chunks = [];
  let window = [];
  let windowLen = 0;
  let windowStart = 0;
  let offset = 0;
  const flush = () => {
    const joined = window.join('');
    const trimmed = joined.trim();
    if (trimmed) chunks.push({ text: trimmed, start: windowStart + (joined.length - joined.trimStart().length) });
  };
  for (const part of parts) {
    if (windowLen + part.length > size && window.length) {
      flush();
      // Carry whole trailing pieces into the next chunk while they fit in the overlap.
      while (window.length && (windowLen > overlap || windowLen + part.length > size)) {
        windowLen -= window[0].length;
        windowStart += window[0].length;
        window.shift();
      }
    }
    if (!window.length) windowStart = offset;
    window.push(part);
    windowLen += part.length;
    offset += part.length;
  }
  if (window.length) flush();
  return chunks;
}

/** @type {any} */
let encoder = null;

/** @param {string} text @param {number} size @param {number} overlap */
async function tokenSplit(text, size, overlap) {
  if (!encoder) {
    const { Tiktoken } = await import('js-tiktoken/lite');
    const ranks = (await import('js-tiktoken/ranks/cl100k_base')).default;
    encoder = new Tiktoken(ranks);
  }
  const tokens = encoder.encode(text);
  const step = Math.max(1, size - overlap);
  /** @type {{ text: string, start: number }[]} */
  const chunks = [];
  let charPos = 0;
  for (let i = 0; i < tokens.length; i += step) {
    const piece = encoder.decode(tokens.slice(i, i + size));
    const found = text.indexOf(piece.slice(0, 32), Math.max(0, charPos - 1));
    const start = found >= 0 ? found : charPos;
    if (piece.trim()) chunks.push({ text: piece.trim(), start });
    charPos = start + encoder.decode(tokens.slice(i, i + step)).length;
    if (i + size >= tokens.length) break;
  }
  return chunks;
}

/**
 * @param {string} text
 * @param {{ size: number, overlap: number, splitter: string }} opts
 * @returns {Promise<{ text: string, start: number, page?: number }[]>}
 */
export async function splitText(text, opts) {
  const size = Math.max(1, opts.size);
  const overlap = Math.min(Math.max(0, opts.overlap), size - 1);
  if (!text.trim()) return [];
  return opts.splitter === 'token' ? tokenSplit(text, size, overlap) : characterSplit(text, size, overlap);
}

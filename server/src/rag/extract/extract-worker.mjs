// @ts-check
/**
 * Runs in a worker thread (see pool.ts): document parsing and chunking are CPU-heavy and must never
 * block the HTTP event loop. Plain JavaScript on purpose: Node starts a worker from a file path, and
 * this one must start the same way from the TypeScript sources (tests) and from the bundled server.
 *
 * Message in:  { id, kind: 'extract', path, ext, contentType, split } | { id, kind: 'split', text, split }
 *               | { id, kind: 'html', html, split } (a fetched web page)
 * Message out: { id, ok: true, text, hash, chunks: [{ text, start, page? }] } | { id, ok: false, error }
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { splitText } from './splitters.mjs';

const TEXT_EXTENSIONS = new Set([
  'txt', 'md', 'markdown', 'mdx', 'rst', 'csv', 'tsv', 'json', 'jsonl', 'ndjson', 'yaml', 'yml', 'toml', 'ini', 'cfg', 'conf',
  'log', 'xml', 'svg', 'tex', 'sql', 'sh', 'bash', 'zsh', 'ps1', 'bat', 'js', 'mjs', 'cjs', 'ts', 'tsx', 'jsx', 'py', 'rb',
  'go', 'rs', 'java', 'kt', 'kts', 'scala', 'c', 'h', 'cc', 'cpp', 'hpp', 'cs', 'php', 'swift', 'm', 'r', 'lua', 'pl',
  'dart', 'vue', 'svelte', 'css', 'scss', 'less', 'graphql', 'proto', 'env', 'dockerfile', 'makefile', 'gradle', 'properties',
]);
const OFFICE_EXTENSIONS = new Set(['pptx', 'xlsx', 'odt', 'odp', 'ods']);
const MAX_TEXT_CHARS = 50 * 1024 * 1024;

class Unreadable extends Error {}

/** Collapses the trailing spaces and runs of blank lines that PDF and office extraction leave behind. @param {string} t */
const normalize = (t) => t.replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();

/** @param {Buffer} buf */
function decodeText(buf) {
  // A NUL byte in the first 8 KB means binary; decoding it would index garbage.
  if (buf.subarray(0, 8192).includes(0)) throw new Unreadable('The file is not text and its type is not supported');
  return new TextDecoder('utf-8').decode(buf).replace(/^\uFEFF/, '');
}

/** @param {string} path @returns {Promise<{ text: string, pages: number[] }>} */
async function extractPdf(path) {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const data = new Uint8Array(await readFile(path));
  let doc;
  try {
    doc = await pdfjs.getDocument({ data, isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0 }).promise;
  } catch (err) {
    throw new Unreadable(`The PDF could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  let text = '';
  /** Character offset where each page starts, so chunks can name their page. */
  const pages = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const page = await doc.getPage(n);
    const content = await page.getTextContent();
    let pageText = '';
    for (const item of content.items) {
      if (!('str' in item)) continue;
      pageText += item.str;
      if (item.hasEOL) pageText += '\n';
    }
    pageText = normalize(pageText);
    page.cleanup();
    if (!pageText) continue;
    if (text) text += '\n\n';
    pages.push(text.length);
    text += pageText;
    if (text.length > MAX_TEXT_CHARS) break;
  }
  await doc.destroy();
  return { text, pages };
}

/** @param {string} path */
async function extractDocx(path) {
  const mammoth = (await import('mammoth')).default;
  try {
    const result = await mammoth.extractRawText({ path });
    return result.value;
  } catch (err) {
    throw new Unreadable(`The document could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** @param {string} path */
async function extractOffice(path) {
  const officeparser = (await import('officeparser')).default;
  try {
    return await officeparser.parseOfficeAsync(path, { outputErrorToConsole: false });
  } catch (err) {
    throw new Unreadable(`The document could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** @param {string} html */
async function extractHtml(html) {
  const { parse } = await import('node-html-parser');
  const root = parse(html, { blockTextElements: { script: false, style: false, noscript: false } });
  return root.structuredText;
}

/** @param {{ path: string, ext: string, contentType: string }} msg @returns {Promise<{ text: string, pages?: number[] }>} */
async function extract(msg) {
  const ext = msg.ext.toLowerCase();
  const type = (msg.contentType || '').toLowerCase();
  if (ext === 'pdf' || type === 'application/pdf') return extractPdf(msg.path);
  if (ext === 'docx' || type.includes('wordprocessingml')) return { text: await extractDocx(msg.path) };
  if (OFFICE_EXTENSIONS.has(ext)) return { text: await extractOffice(msg.path) };
  if (ext === 'html' || ext === 'htm' || type === 'text/html') return { text: await extractHtml(decodeText(await readFile(msg.path))) };
  if (TEXT_EXTENSIONS.has(ext) || type.startsWith('text/') || type === 'application/json' || ext === '') {
    return { text: decodeText(await readFile(msg.path)) };
  }
  throw new Unreadable(`File type ${ext || type || 'unknown'} is not supported for text extraction`);
}

/** @param {number[] | undefined} pages @param {number} start */
function pageOf(pages, start) {
  if (!pages || pages.length === 0) return undefined;
  let lo = 0;
  let hi = pages.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (pages[mid] <= start) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

parentPort?.on('message', async (msg) => {
  try {
    let text;
    let pages;
    if (msg.kind === 'extract') ({ text, pages } = await extract(msg));
    else if (msg.kind === 'html') text = normalize(await extractHtml(String(msg.html ?? ''))); // web pages (web search)
    else text = String(msg.text ?? '');
    if (text.length > MAX_TEXT_CHARS) text = text.slice(0, MAX_TEXT_CHARS);
    if (msg.kind === 'extract' && !pages) text = normalize(text);
    const chunks = msg.split ? await splitText(text, msg.split) : [];
    if (pages) for (const c of chunks) c.page = pageOf(pages, c.start);
    const hash = createHash('sha256').update(text).digest('hex');
    parentPort?.postMessage({ id: msg.id, ok: true, text, hash, chunks });
  } catch (err) {
    const error = err instanceof Unreadable ? err.message : `Extraction failed: ${err instanceof Error ? err.message : String(err)}`;
    parentPort?.postMessage({ id: msg.id, ok: false, error });
  }
});

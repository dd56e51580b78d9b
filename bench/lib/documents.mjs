// Inputs for the documents benchmark: a PDF writer (the same minimal, valid structure as the server
// tests' helper), a fake embedding server, and multipart bodies streamed from disk.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';

/** A PDF with one page per entry of `pages` (lines of ASCII text), with a correct xref table. */
export function makePdf(pages) {
  const esc = (s) => s.replace(/[\\()]/g, (c) => `\\${c}`);
  const objects = [];
  const pageIds = [];
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';
  let next = 4;
  for (const lines of pages) {
    const stream = `BT /F1 10 Tf 12 TL 40 770 Td ${lines.map((l) => `(${esc(l)}) Tj T*`).join(' ')} ET`;
    const contentId = next++;
    const pageId = next++;
    objects[contentId] = `<< /Length ${Buffer.byteLength(stream)} >>\nstream\n${stream}\nendstream`;
    objects[pageId] = `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${contentId} 0 R >>`;
    pageIds.push(pageId);
  }
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pageIds.length} >>`;
  let out = '%PDF-1.4\n';
  const offsets = [];
  for (let i = 1; i < objects.length; i++) {
    offsets[i] = Buffer.byteLength(out);
    out += `${i} 0 obj\n${objects[i]}\nendobj\n`;
  }
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let i = 1; i < objects.length; i++) out += `${String(offsets[i]).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** Deterministic unit vector for a text (hashed words), `dims` wide. */
export function embed(text, dims) {
  const v = new Float64Array(dims);
  for (const w of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    const h = createHash('md5').update(w).digest();
    v[h.readUInt32LE(0) % dims] += 1;
    v[h.readUInt32LE(4) % dims] += 0.5;
  }
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  return Array.from(v, (x) => Math.round((x / n) * 1e5) / 1e5);
}

/** OpenAI-format embedding server (`POST /v1/embeddings`) that counts requests and inputs. */
export async function startFakeEmbeddings(dims) {
  const stats = { requests: 0, inputs: 0, maxBatch: 0 };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString());
      const input = Array.isArray(body.input) ? body.input : [body.input];
      stats.requests++;
      stats.inputs += input.length;
      stats.maxBatch = Math.max(stats.maxBatch, input.length);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', model: body.model, data: input.map((t, index) => ({ object: 'embedding', index, embedding: embed(t, dims) })) }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/v1`, stats, close: () => new Promise((r) => server.close(r)) };
}

/** A multipart/form-data body for one file, streamed from disk (never in memory). */
export function multipartFromFile(filePath, name, type) {
  const boundary = `----bench${Date.now().toString(16)}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const size = fs.statSync(filePath).size;
  async function* body() {
    yield head;
    for await (const c of fs.createReadStream(filePath, { highWaterMark: 256 * 1024 })) yield c;
    yield tail;
  }
  return { body: body(), headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + size + tail.length) } };
}

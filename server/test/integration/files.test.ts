import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { DOCX_TYPE, makeDocx, makePdf, makePptx, makeXlsx, PDF_TYPE, PPTX_TYPE, XLSX_TYPE } from '../helpers/documents.js';
import { streamStatus, upload, uploadProcessed } from '../helpers/files.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { vectorEnv } from '../helpers/vector-env.js';

describe('files: upload, extraction, status, content, access, delete', () => {
  let srv: TestServer;
  let vec: Awaited<ReturnType<typeof vectorEnv>>;
  let alice: { token: string; user: { id: string } };
  let bob: { token: string };
  let admin: { token: string };

  beforeAll(async () => {
    vec = await vectorEnv();
    srv = await startTestServer({ ...vec.env, RAG_FILE_MAX_SIZE: '1', RAG_ALLOWED_FILE_EXTENSIONS: 'txt,md,pdf,docx,html,json,csv,xlsx,pptx,py' });
    admin = await createUser(srv.ctx, { role: 'admin' });
    alice = await createUser(srv.ctx);
    bob = await createUser(srv.ctx);
  });
  afterAll(async () => {
    await srv.close();
    await vec?.close();
  });

  it('uploads a text file, processes it in the background and serves bytes and text', async () => {
    const { res, body } = await upload(srv, alice.token, 'notes.md', '# Notes\n\nThe launch code is PELICAN-42.\n', 'text/markdown');
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ status: true, filename: 'notes.md', user_id: alice.user.id, meta: { name: 'notes.md', content_type: 'text/markdown', size: 40 } });
    expect(body.data.status).toBe('pending');
    expect(body.path).toBeUndefined();

    const events = await streamStatus(srv, alice.token, body.id);
    expect(events.at(-1)).toEqual({ status: 'completed' });

    const poll = await (await srv.request('GET', `/api/v1/files/${body.id}/process/status`, { token: alice.token })).json();
    expect(poll).toEqual({ status: 'completed' });

    const got = await (await srv.request('GET', `/api/v1/files/${body.id}`, { token: alice.token })).json();
    expect(got.data.content).toContain('PELICAN-42');
    expect(got.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(got.meta.collection_name).toBe(`file-${body.id}`);

    const text = await (await srv.request('GET', `/api/v1/files/${body.id}/data/content`, { token: alice.token })).json();
    expect(text.content).toContain('PELICAN-42');

    const bytes = await srv.request('GET', `/api/v1/files/${body.id}/content`, { token: alice.token });
    expect(bytes.status).toBe(200);
    expect(bytes.headers.get('content-type')).toContain('text/markdown');
    expect(bytes.headers.get('content-disposition')).toBe(`inline; filename="notes.md"; filename*=UTF-8''notes.md`);
    expect(await bytes.text()).toContain('PELICAN-42');
    const att = await srv.request('GET', `/api/v1/files/${body.id}/content?attachment=true`, { token: alice.token });
    expect(att.headers.get('content-disposition')).toMatch(/^attachment;/);
  });

  it('extracts a PDF (per page) and a DOCX with the real readers', async () => {
    const pdf = makePdf([['Page one talks about apples.'], ['The secret ingredient is saffron.']]);
    const p = await uploadProcessed(srv, alice.token, 'recipe.pdf', pdf, PDF_TYPE);
    expect(p.final).toEqual({ status: 'completed' });
    const pdfText = (await (await srv.request('GET', `/api/v1/files/${p.id}/data/content`, { token: alice.token })).json()).content as string;
    expect(pdfText).toContain('Page one talks about apples.');
    expect(pdfText).toContain('The secret ingredient is saffron.');

    const docx = await makeDocx(['Quarterly report', 'Revenue grew by 17 percent in the north region.']);
    const d = await uploadProcessed(srv, alice.token, 'report.docx', docx, DOCX_TYPE);
    expect(d.final).toEqual({ status: 'completed' });
    const docxText = (await (await srv.request('GET', `/api/v1/files/${d.id}/data/content`, { token: alice.token })).json()).content as string;
    expect(docxText).toContain('Revenue grew by 17 percent');
  });

  it('extracts XLSX and PPTX with officeparser', async () => {
    const x = await uploadProcessed(srv, alice.token, 'sales.xlsx', await makeXlsx([['Region', 'Revenue'], ['Nordics', 'FJORD-981']]), XLSX_TYPE);
    expect(x.final).toEqual({ status: 'completed' });
    const xt = (await (await srv.request('GET', `/api/v1/files/${x.id}/data/content`, { token: alice.token })).json()).content as string;
    expect(xt).toContain('Nordics');
    expect(xt).toContain('FJORD-981');
    const p = await uploadProcessed(srv, alice.token, 'deck.pptx', await makePptx([['Kick-off'], ['Launch date is MARCH-7']]), PPTX_TYPE);
    expect(p.final).toEqual({ status: 'completed' });
    const pt = (await (await srv.request('GET', `/api/v1/files/${p.id}/data/content`, { token: alice.token })).json()).content as string;
    expect(pt).toContain('Launch date is MARCH-7');
  });

  it('extracts HTML with a parser (no scripts or styles) and JSON/CSV/code as text', async () => {
    const h = await uploadProcessed(srv, alice.token, 'page.html', '<html><head><style>.x{color:red}</style><script>alert(1)</script></head><body><h1>Heading</h1><p>Body text here</p></body></html>', 'text/html');
    const html = (await (await srv.request('GET', `/api/v1/files/${h.id}/data/content`, { token: alice.token })).json()).content as string;
    expect(html).toContain('Heading');
    expect(html).toContain('Body text here');
    expect(html).not.toContain('alert');
    expect(html).not.toContain('color:red');
    // Active content is never served inline on our origin.
    const raw = await srv.request('GET', `/api/v1/files/${h.id}/content`, { token: alice.token });
    expect(raw.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(raw.headers.get('content-type')).toBe('application/octet-stream');

    for (const [name, body, type] of [
      ['data.json', '{"city":"Oslo"}', 'application/json'],
      ['table.csv', 'city,pop\nOslo,700000', 'text/csv'],
      ['main.py', 'def greet():\n    return "hi"\n', 'text/x-python'],
    ] as const) {
      const r = await uploadProcessed(srv, alice.token, name, body, type);
      expect(r.final.status).toBe('completed');
    }
  });

  it('keeps an unreadable file with status failed and the reason', async () => {
    const bad = await uploadProcessed(srv, alice.token, 'broken.pdf', Buffer.from('%PDF-1.4 this is not really a pdf'), PDF_TYPE);
    expect(bad.final.status).toBe('failed');
    expect(bad.final.error).toMatch(/PDF/);
    const row = await (await srv.request('GET', `/api/v1/files/${bad.id}`, { token: alice.token })).json();
    expect(row.data).toMatchObject({ status: 'failed' });
    expect((await srv.request('GET', `/api/v1/files/${bad.id}/content`, { token: alice.token })).status).toBe(200);

    const blank = await uploadProcessed(srv, alice.token, 'blank.txt', '   \n\n  ');
    expect(blank.final).toMatchObject({ status: 'failed', error: expect.stringMatching(/empty/i) });
  });

  it('refuses bad uploads with a clear 4xx', async () => {
    const exe = await upload(srv, alice.token, 'tool.exe', 'MZ...', 'application/octet-stream');
    expect(exe.res.status).toBe(400);
    expect(exe.body.detail).toBe('[ERROR: File type exe is not allowed]');

    const big = await upload(srv, alice.token, 'big.txt', Buffer.alloc(1024 * 1024 + 10, 'a'));
    expect(big.res.status).toBe(413);
    expect(big.body.detail).toMatch(/exceeds/);

    const empty = await upload(srv, alice.token, 'empty.txt', '');
    expect(empty.res.status).toBe(400);

    const noFile = await fetch(`${srv.url}/api/v1/files/`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}` }, body: new FormData() });
    expect(noFile.status).toBe(422);
    const notMultipart = await srv.request('POST', '/api/v1/files/', { token: alice.token, body: { file: 'x' } });
    expect(notMultipart.status).toBe(422);

    const form = new FormData();
    form.append('file', new Blob(['hello']), 'a.txt');
    form.append('metadata', '{not json');
    const badMeta = await fetch(`${srv.url}/api/v1/files/`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}` }, body: form });
    expect(badMeta.status).toBe(400);
    expect((await badMeta.json()).detail).toBe('[ERROR: Invalid metadata format]');

    const anon = await fetch(`${srv.url}/api/v1/files/`, { method: 'POST', body: new FormData() });
    expect(anon.status).toBe(401);
    // Nothing of the refused uploads was kept.
    const fs = await import('node:fs');
    const names = fs.readdirSync(`${srv.dataDir}/uploads`);
    expect(names.some((n) => n.endsWith('_big.txt') || n.endsWith('_tool.exe') || n.endsWith('_empty.txt'))).toBe(false);
  });

  it('stores metadata sent after the file, and process=false skips processing', async () => {
    const form = new FormData();
    form.append('file', new Blob(['plain']), 'meta.txt');
    form.append('metadata', JSON.stringify({ source: 'test' }));
    const res = await fetch(`${srv.url}/api/v1/files/?process=false`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}` }, body: form });
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body.meta.data).toEqual({ source: 'test' });
    expect(body.data).toEqual({});
    expect(body.status).toBeUndefined();
  });

  it("hides a user's files from another user; admin sees all", async () => {
    const { id } = await uploadProcessed(srv, alice.token, 'private.txt', 'alice only');
    for (const path of [`/api/v1/files/${id}`, `/api/v1/files/${id}/content`, `/api/v1/files/${id}/data/content`, `/api/v1/files/${id}/process/status`]) {
      const r = await srv.request('GET', path, { token: bob.token });
      expect(r.status, path).toBe(404);
      expect((await r.json()).detail).toBe("We could not find what you're looking for :/");
    }
    expect((await srv.request('DELETE', `/api/v1/files/${id}`, { token: bob.token })).status).toBe(404);
    expect((await srv.request('POST', `/api/v1/files/${id}/data/content/update`, { token: bob.token, body: { content: 'x' } })).status).toBe(404);
    const bobList = await (await srv.request('GET', '/api/v1/files/', { token: bob.token })).json();
    expect(bobList.map((f: { id: string }) => f.id)).not.toContain(id);
    const adminList = await (await srv.request('GET', '/api/v1/files/?content=false', { token: admin.token })).json();
    const mine = adminList.find((f: { id: string }) => f.id === id);
    expect(mine).toBeTruthy();
    expect(mine.data.content).toBeUndefined();
    expect((await srv.request('GET', `/api/v1/files/${id}`, { token: admin.token })).status).toBe(200);
    expect((await srv.request('GET', '/api/v1/files/__proto__', { token: alice.token })).status).toBe(404);
  });

  it('updates the extracted text, searches by name, deletes one and all', async () => {
    const { id } = await uploadProcessed(srv, alice.token, 'draft.txt', 'first version');
    const up = await srv.request('POST', `/api/v1/files/${id}/data/content/update`, { token: alice.token, body: { content: 'second version with KIWI' } });
    expect(up.status).toBe(200);
    expect((await up.json()).data.content).toBe('second version with KIWI');
    expect((await srv.request('POST', `/api/v1/files/${id}/data/content/update`, { token: alice.token, body: {} })).status).toBe(422);

    const found = await (await srv.request('GET', '/api/v1/files/search?filename=dra*', { token: alice.token })).json();
    expect(found.map((f: { id: string }) => f.id)).toContain(id);
    expect((await srv.request('GET', '/api/v1/files/search?filename=nothing-like-this', { token: alice.token })).status).toBe(404);

    const del = await srv.request('DELETE', `/api/v1/files/${id}`, { token: alice.token });
    expect(await del.json()).toEqual({ message: 'File deleted successfully' });
    expect((await srv.request('GET', `/api/v1/files/${id}`, { token: alice.token })).status).toBe(404);

    expect((await srv.request('DELETE', '/api/v1/files/all', { token: alice.token })).status).toBe(401);
    const all = await srv.request('DELETE', '/api/v1/files/all', { token: admin.token });
    expect(all.status).toBe(200);
    expect(await (await srv.request('GET', '/api/v1/files/', { token: admin.token })).json()).toEqual([]);
  });
});

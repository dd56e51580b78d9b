import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect } from 'socket.io-client';
import type { ChatEvent } from '@owui/contracts';
import { DEFAULT_USER_PERMISSIONS } from '../../src/config/persistent-keys.js';
import { createUser } from '../factories/users.js';
import { startFakeOllama, type FakeOllama } from '../fakes/fake-ollama.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.js';
import { DOCX_TYPE, makeDocx, makePdf, PDF_TYPE } from '../helpers/documents.js';
import { uploadProcessed } from '../helpers/files.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { vectorEnv } from '../helpers/vector-env.js';

type Json = Record<string, any>;
const QUESTION = 'What is the name of the lighthouse keeper?';

function sseEvents(text: string): Json[] {
  return text
    .split('\n\n')
    .map((e) => e.trim().replace(/^data: /, ''))
    .filter((e) => e && e !== '[DONE]')
    .map((e) => JSON.parse(e) as Json);
}

describe('RAG in chat: files and knowledge on /api/chat/completions', () => {
  let srv: TestServer;
  let vec: Awaited<ReturnType<typeof vectorEnv>>;
  let up: FakeOpenAI;
  let ollama: FakeOllama;
  let alice: { token: string; user: { id: string } };
  let bob: { token: string };
  let pdfId: string;
  let docxId: string;

  const lastPrompt = () => {
    const msgs = up.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)!.body!.messages as Json[];
    return String(msgs.at(-1)!.content);
  };

  beforeAll(async () => {
    up = await startFakeOpenAI();
    ollama = await startFakeOllama({ models: ['llama3.2:latest'], reply: 'From Ollama' });
    vec = await vectorEnv();
    srv = await startTestServer({ BYPASS_MODEL_ACCESS_CONTROL: 'true', ...vec.env, OPENAI_API_BASE_URL: up.url, OLLAMA_BASE_URL: ollama.url, CHUNK_SIZE: '120', CHUNK_OVERLAP: '10' });
    alice = await createUser(srv.ctx);
    bob = await createUser(srv.ctx);
    const pdf = makePdf([
      ['Chapter one describes the harbour town and its fishing boats.', 'The weather there is often stormy in November.'],
      ['The lighthouse keeper is called Ingrid Solberg.', 'She has kept the light burning since 1987.'],
    ]);
    pdfId = (await uploadProcessed(srv, alice.token, 'harbour.pdf', pdf, PDF_TYPE)).id;
    const docx = await makeDocx(['Minutes of the board meeting.', 'The board approved a budget of 4.2 million crowns for the new pier.']);
    docxId = (await uploadProcessed(srv, alice.token, 'minutes.docx', docx, DOCX_TYPE)).id;
  });
  afterAll(async () => {
    await srv.close();
    await vec?.close();
    await up.close();
    await ollama.close();
  });

  it('non-streamed: a fact only in the PDF reaches the upstream prompt and the sources come back', async () => {
    const res = await srv.request('POST', '/api/chat/completions', {
      token: alice.token,
      body: { model: 'gpt-4o-mini', stream: false, messages: [{ role: 'user', content: QUESTION }], files: [{ type: 'file', id: pdfId, name: 'harbour.pdf' }] },
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.choices[0].message.content).toBe(up.reply);
    expect(body.sources).toHaveLength(1);
    const src = body.sources[0];
    expect(src.source).toMatchObject({ type: 'file', id: pdfId, name: 'harbour.pdf' });
    expect(src.document.join(' ')).toContain('Ingrid Solberg');
    expect(src.metadata[0]).toMatchObject({ file_id: pdfId, name: 'harbour.pdf', source: 'harbour.pdf', page: 1 });
    expect(src.distances).toHaveLength(src.document.length);

    const prompt = lastPrompt();
    expect(prompt).toContain('<source id="1" name="harbour.pdf">');
    expect(prompt).toContain('Ingrid Solberg');
    expect(prompt.endsWith(QUESTION)).toBe(true);
    // Open WebUI's own field never reaches the upstream.
    expect(up.requests.at(-1)!.body!.files).toBeUndefined();
  });

  it('streamed (OpenAI passthrough and Ollama translation): the first event is the sources', async () => {
    const res = await srv.request('POST', '/api/chat/completions', {
      token: alice.token,
      body: { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'What budget did the board approve for the pier?' }], files: [{ type: 'file', id: docxId, name: 'minutes.docx' }] },
    });
    const events = sseEvents(await res.text());
    expect(events[0]!.sources[0].document.join(' ')).toContain('4.2 million crowns');
    expect(events.slice(1).some((e) => e.choices)).toBe(true);
    expect(lastPrompt()).toContain('4.2 million crowns');

    const o = await srv.request('POST', '/api/chat/completions', {
      token: alice.token,
      body: { model: 'llama3.2:latest', stream: true, messages: [{ role: 'user', content: QUESTION }], files: [{ type: 'file', id: pdfId, name: 'harbour.pdf' }] },
    });
    const oe = sseEvents(await o.text());
    expect(oe[0]!.sources[0].source.id).toBe(pdfId);
    const sent = ollama.requests.filter((r) => r.path === '/api/chat').at(-1)!.body as Json;
    expect(String(sent.messages.at(-1).content)).toContain('Ingrid Solberg');
  });

  it('socket-delivered: the sources arrive as a chat:completion event', async () => {
    const socket = connect(srv.url, { path: '/ws/socket.io', transports: ['websocket'], auth: { token: alice.token }, reconnection: false, forceNew: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    // The handshake token puts the socket in the user's room; give the server a moment to finish that.
    await new Promise((r) => setTimeout(r, 200));
    const got: ChatEvent[] = [];
    socket.on('events', (e: ChatEvent) => got.push(e));
    const res = await srv.request('POST', '/api/chat/completions', {
      token: alice.token,
      body: { model: 'gpt-4o-mini', stream: true, chat_id: 'local:rag', id: 'msg-1', session_id: socket.id, messages: [{ role: 'user', content: QUESTION }], files: [{ type: 'file', id: pdfId, name: 'harbour.pdf' }] },
    });
    expect((await res.json()).status).toBe(true);
    const until = Date.now() + 5000;
    while (Date.now() < until && !got.some((e) => e.data.type === 'chat:completion' && (e.data.data as Json).done)) await new Promise((r) => setTimeout(r, 50));
    socket.close();
    const withSources = got.find((e) => e.data.type === 'chat:completion' && (e.data.data as Json).sources);
    expect(withSources).toBeTruthy();
    expect(((withSources!.data.data as Json).sources as Json[])[0]!.document.join(' ')).toContain('Ingrid Solberg');
  });

  it("a chat naming another user's file gets none of its text", async () => {
    up.requests.length = 0;
    const res = await srv.request('POST', '/api/chat/completions', {
      token: bob.token,
      body: { model: 'gpt-4o-mini', stream: false, messages: [{ role: 'user', content: QUESTION }], files: [{ type: 'file', id: pdfId }, { type: 'collection', id: 'nope' }] },
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.sources).toBeUndefined();
    expect(lastPrompt()).toBe(QUESTION);
    expect(JSON.stringify(up.requests.at(-1)!.body)).not.toContain('Ingrid');
  });

  it('a knowledge base (collection) and full-context mode', async () => {
    const perms = structuredClone(DEFAULT_USER_PERMISSIONS);
    perms.workspace.knowledge = true;
    await srv.ctx.settings.set({ USER_PERMISSIONS: perms });
    const kb = await (await srv.request('POST', '/api/v1/knowledge/create', { token: alice.token, body: { name: 'Town', description: '' } })).json();
    await srv.request('POST', `/api/v1/knowledge/${kb.id}/files/batch/add`, { token: alice.token, body: [{ file_id: pdfId }, { file_id: docxId }] });

    const res = await (await srv.request('POST', '/api/chat/completions', {
      token: alice.token,
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'budget for the new pier' }], files: [{ type: 'collection', id: kb.id, name: 'Town' }] },
    })).json();
    expect(res.sources[0].source).toMatchObject({ type: 'collection', id: kb.id });
    expect(res.sources[0].document.join(' ')).toContain('4.2 million');
    expect(lastPrompt()).toContain('name="Town"');

    const full = await (await srv.request('POST', '/api/chat/completions', {
      token: alice.token,
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Summarise' }], files: [{ type: 'file', id: pdfId, name: 'harbour.pdf', context: 'full' }] },
    })).json();
    expect(full.sources[0].document).toHaveLength(1);
    expect(full.sources[0].document[0]).toContain('fishing boats');
    expect(full.sources[0].document[0]).toContain('since 1987');

    // Bob cannot use Alice's knowledge base either.
    const leak = await (await srv.request('POST', '/api/chat/completions', {
      token: bob.token,
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'budget' }], files: [{ type: 'collection', id: kb.id }] },
    })).json();
    expect(leak.sources).toBeUndefined();
    expect(lastPrompt()).toBe('budget');
  });

  it('RAG_TEMPLATE set by the admin shapes the prompt', async () => {
    await srv.ctx.settings.set({ RAG_TEMPLATE: 'CONTEXT:\n{{CONTEXT}}\nQUESTION: {{QUERY}}' });
    await srv.request('POST', '/api/chat/completions', {
      token: alice.token,
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: QUESTION }], files: [{ type: 'file', id: pdfId }] },
    });
    const prompt = lastPrompt();
    expect(prompt.startsWith('CONTEXT:\n<source id="1"')).toBe(true);
    expect(prompt).toContain(`QUESTION: ${QUESTION}\n${QUESTION}`);
    await srv.ctx.settings.set({ RAG_TEMPLATE: '' });
  });
});

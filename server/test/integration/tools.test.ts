import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import type { ChatEvent } from '@owui/contracts';
import { chatsServiceFor } from '../../src/modules/chats/chats.service.js';
import { createUser } from '../factories/users.js';
import { startFakeOllama, type FakeOllama } from '../fakes/fake-ollama.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.js';
import { startFakeMcpServer, startFakeOpenApiServer, type FakeMcpServer, type FakeOpenApiServer } from '../fakes/fake-tool-servers.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

type Json = Record<string, any>;

const sseContent = (text: string) =>
  text
    .split('\n\n')
    .map((e) => e.trim().replace(/^data: /, ''))
    .filter((e) => e && e !== '[DONE]')
    .map((e) => JSON.parse(e) as Json)
    .map((c) => c.choices?.[0]?.delta?.content ?? '')
    .join('');

/** The content the model was sent for the `tool` message of the last round. */
const toolMessage = (body: Json) => (body.messages as Json[]).find((m) => m.role === 'tool')?.content as string | undefined;

describe('tool servers and native function calling', () => {
  let s: TestServer;
  let ollama: FakeOllama;
  let up: FakeOpenAI;
  let weather: FakeOpenApiServer;
  let slow: FakeOpenApiServer;
  let mcp: FakeMcpServer;
  let admin: string;
  let userToken: string;

  const connections = () => [
    { url: weather.url, path: 'openapi.json', type: 'openapi', auth_type: 'bearer', key: 'tool-key', config: { enable: true }, info: { id: 'weather', name: 'Weather' } },
    { url: mcp.url, path: '', type: 'mcp', auth_type: 'bearer', key: 'mcp-key', config: { enable: true }, info: { id: 'orders', name: 'Orders', description: 'Order lookups' } },
    { url: slow.url, path: 'openapi.json', type: 'openapi', auth_type: 'session', config: { enable: true }, info: { id: 'slow', name: 'Slow' } },
    { url: 'http://127.0.0.1:9', path: 'openapi.json', type: 'openapi', auth_type: 'none', config: { enable: true }, info: { id: 'dead', name: 'Dead' } },
    { url: weather.url, path: 'openapi.json', type: 'openapi', auth_type: 'bearer', key: 'tool-key', config: { enable: true, access_control: {} }, info: { id: 'private', name: 'Private' } },
    { url: 'http://127.0.0.1:9/mcp', path: '', type: 'mcp', auth_type: 'none', config: { enable: true }, info: { id: 'deadmcp', name: 'Dead MCP' } },
  ];

  beforeAll(async () => {
    [ollama, up, weather, slow, mcp] = await Promise.all([
      startFakeOllama({ models: ['llama3.2:latest'] }),
      startFakeOpenAI(),
      startFakeOpenApiServer(),
      startFakeOpenApiServer(),
      startFakeMcpServer(),
    ]);
    weather.key = 'tool-key';
    s = await startTestServer({ BYPASS_MODEL_ACCESS_CONTROL: 'true', OLLAMA_BASE_URL: ollama.url, OPENAI_API_BASE_URL: up.url, TOOL_SERVER_CALL_TIMEOUT: '1', AIOHTTP_CLIENT_TIMEOUT_TOOL_SERVER_DATA: '2' });
    admin = (await createUser(s.ctx, { role: 'admin' })).token;
    userToken = (await createUser(s.ctx, { role: 'user' })).token;
    const saved = await s.request('POST', '/api/v1/configs/tool_servers', { token: admin, body: { TOOL_SERVER_CONNECTIONS: connections() } });
    expect(saved.status).toBe(200);
  });
  afterAll(async () => {
    await s.close();
    await Promise.all([ollama.close(), up.close(), weather.close(), slow.close(), mcp.close()]);
  });
  beforeEach(() => {
    up.requests.length = 0;
    up.turns.length = 0;
    weather.hits.length = 0;
    mcp.calls.length = 0;
    slow.mode = 'ok';
    slow.hits.length = 0;
  });

  it('keeps the connections (admin only) and verifies OpenAPI and MCP servers', async () => {
    const got = await s.request('GET', '/api/v1/configs/tool_servers', { token: admin });
    expect((await got.json()).TOOL_SERVER_CONNECTIONS).toHaveLength(6);
    expect((await s.request('GET', '/api/v1/configs/tool_servers', { token: userToken })).status).toBe(401);

    const spec = await s.request('POST', '/api/v1/configs/tool_servers/verify', { token: admin, body: connections()[0] });
    expect(spec.status).toBe(200);
    expect((await spec.json()).info.title).toBe('Weather Tools');
    const tools = await s.request('POST', '/api/v1/configs/tool_servers/verify', { token: admin, body: connections()[1] });
    expect(tools.status).toBe(200);
    const body = await tools.json();
    expect(body.status).toBe(true);
    expect(body.specs.map((t: Json) => t.name)).toEqual(['lookup_order', 'fail_always']);

    const dead = await s.request('POST', '/api/v1/configs/tool_servers/verify', { token: admin, body: connections()[3] });
    expect(dead.status).toBe(400);
    expect((await dead.json()).detail).toMatch(/^Failed to connect to the tool server/);
    const bad = await s.request('POST', '/api/v1/configs/tool_servers', { token: admin, body: { TOOL_SERVER_CONNECTIONS: [{ url: 'not a url', path: '' }] } });
    expect(bad.status).toBe(400);
  });

  it('lists the server tools in the original shape, with access control', async () => {
    const res = await s.request('GET', '/api/v1/tools/', { token: userToken });
    const list = (await res.json()) as Json[];
    const ids = list.map((t) => t.id);
    expect(ids).toEqual(expect.arrayContaining(['server:weather', 'server:slow', 'server:mcp:orders']));
    expect(ids).not.toContain('server:dead'); // unreachable servers are left out, like the original
    expect(ids).not.toContain('server:private');
    const w = list.find((t) => t.id === 'server:weather')!;
    expect(w).toMatchObject({ user_id: 'server:weather', name: 'Weather', meta: { description: 'Weather for a city' }, access_control: null });
    const adminIds = ((await (await s.request('GET', '/api/v1/tools/', { token: admin })).json()) as Json[]).map((t) => t.id);
    expect(adminIds).toContain('server:private');

    const one = await (await s.request('GET', '/api/v1/tools/id/server:weather', { token: userToken })).json();
    expect(one.specs.map((t: Json) => t.name)).toEqual(['get_weather', 'create_order']);
    expect(one.specs[1].parameters).toEqual({ type: 'object', properties: { item: { type: 'string' }, qty: { type: 'integer' } }, required: ['item'] });
    const m = await (await s.request('GET', '/api/v1/tools/id/server:mcp:orders', { token: userToken })).json();
    expect(m.specs[0].name).toBe('lookup_order');
    expect((await s.request('GET', '/api/v1/tools/id/nope', { token: userToken })).status).toBe(404);
    expect(await (await s.request('GET', '/api/v1/functions/', { token: userToken })).json()).toEqual([]);
    expect(await (await s.request('GET', '/api/v1/tools/list', { token: userToken })).json()).toEqual([]);
    expect(await (await s.request('GET', '/api/v1/functions/list', { token: admin })).json()).toEqual([]);
    expect(await (await s.request('GET', '/api/v1/tools/id/server:weather/valves/user', { token: userToken })).json()).toBeNull();
    const py = await s.request('POST', '/api/v1/functions/create', { token: admin, body: { id: 'f', name: 'f', content: 'print(1)', meta: {} } });
    expect(py.status).toBe(400);
    expect((await py.json()).detail).toMatch(/not supported/);
  });

  it('OpenAI, streamed: offers the tools, runs the call, feeds the result back and shows the call', async () => {
    up.turns.push(
      { toolCalls: [{ id: 'call_w1', name: 'get_weather', arguments: '{"city":"Paris","unit":"C"}' }] },
      (body) => ({ reply: `Paris: ${JSON.parse(toolMessage(body) ?? '{}').sky}` }),
    );
    const res = await s.request('POST', '/api/chat/completions', {
      token: userToken,
      body: { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Weather in Paris?' }], tool_ids: ['server:weather'] },
    });
    expect(res.status).toBe(200);
    const content = sseContent(await res.text());
    expect(content).toContain('<details type="tool_calls" done="true" id="call_w1" name="get_weather"');
    expect(content).toContain('zorblax-clear');
    expect(content.trim().endsWith('Paris: zorblax-clear')).toBe(true);

    const [first, second] = up.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.body as Json);
    expect(first!.tools.map((t: Json) => t.function.name)).toEqual(['get_weather', 'create_order']);
    expect(first!.tool_ids).toBeUndefined();
    expect(second!.messages.at(-2)).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_w1', function: { name: 'get_weather' } }] });
    expect(second!.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_w1' });
    const hit = weather.hits.find((h) => h.url.startsWith('/weather/'))!;
    expect(hit.url).toBe('/weather/Paris?unit=C');
    expect(hit.headers.authorization).toBe('Bearer tool-key');
  });

  it('OpenAI, not streamed: an MCP tool (SDK server) answers and the reply carries the call', async () => {
    up.turns.push(
      { toolCalls: [{ id: 'call_m1', name: 'orders_lookup_order', arguments: '{"order_id":"A-1"}' }] },
      (body) => ({ reply: `Order is ${JSON.parse(toolMessage(body) ?? '[]')[0].status}` }),
    );
    const res = await s.request('POST', '/api/chat/completions', {
      token: userToken,
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Where is order A-1?' }], tool_ids: ['server:mcp:orders'] },
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.object).toBe('chat.completion');
    const content = body.choices[0].message.content as string;
    expect(content).toContain('name="orders_lookup_order"');
    expect(content).toContain('Order is shipped-via-quokka-express');
    expect(mcp.calls).toEqual([{ name: 'lookup_order', args: { order_id: 'A-1' }, authorization: 'Bearer mcp-key' }]);
  });

  it('Ollama: tools in its own format, message.tool_calls executed, result fed back', async () => {
    ollama.script({
      turns: [
        { toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] },
        (body) => ({ reply: `Oslo: ${JSON.parse(toolMessage(body) ?? '{}').sky}` }),
      ],
    });
    const res = await s.request('POST', '/api/chat/completions', {
      token: userToken,
      body: { model: 'llama3.2:latest', stream: true, messages: [{ role: 'user', content: 'Oslo?' }], tool_ids: ['server:weather'] },
    });
    const content = sseContent(await res.text());
    expect(content).toContain('name="get_weather"');
    expect(content).toContain('Oslo: zorblax-clear');
    const chats = ollama.requests.filter((r) => r.path === '/api/chat').slice(-2).map((r) => r.body as Json);
    expect(chats[0]!.tools[0]).toMatchObject({ type: 'function', function: { name: 'get_weather' } });
    // Ollama wants arguments as an object on the assistant's tool call
    expect(chats[1]!.messages.at(-2).tool_calls[0].function.arguments).toEqual({ city: 'Oslo' });
    expect(chats[1]!.messages.at(-1)).toMatchObject({ role: 'tool' });
  });

  it('a model without function calling still answers, without the tools', async () => {
    ollama.script({ noToolModels: ['llama3.2:latest'], reply: 'No tools here.' });
    const res = await s.request('POST', '/api/chat/completions', {
      token: userToken,
      body: { model: 'llama3.2:latest', stream: true, messages: [{ role: 'user', content: 'x' }], tool_ids: ['server:weather'] },
    });
    expect(res.status).toBe(200);
    expect(sseContent(await res.text())).toBe('No tools here.');
    const chats = ollama.requests.filter((r) => r.path === '/api/chat').slice(-2).map((r) => r.body as Json);
    expect(chats[0]!.tools).toBeDefined();
    expect(chats[1]!.tools).toBeUndefined();
    ollama.script({ noToolModels: [] });
  });

  it('a slow, broken or dead tool server gives the model and the user a clear error; the chat goes on', async () => {
    slow.mode = 'slow';
    up.turns.push({ toolCalls: [{ id: 'c_s', name: 'get_weather', arguments: '{"city":"Rome"}' }] }, (body) => ({ reply: `Sorry: ${toolMessage(body)}` }));
    const t0 = Date.now();
    const res = await s.request('POST', '/api/chat/completions', {
      token: userToken,
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Rome?' }], tool_ids: ['server:slow', 'server:dead'] },
    });
    expect(res.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(5000);
    const content = (await res.json()).choices[0].message.content as string;
    expect(content).toContain('did not answer in time');
    expect(content).toContain('result="');
    // auth_type "session": the call carried a token of the user who chats, which our API accepts.
    const sessionAuth = slow.hits.find((h) => h.url.startsWith('/weather/'))!.headers.authorization!;
    const me = await s.request('GET', '/api/v1/auths/', { headers: { authorization: sessionAuth } });
    expect(me.status).toBe(200);
    expect((await me.json()).role).toBe('user');

    slow.mode = 'error';
    up.turns.push({ toolCalls: [{ id: 'c_e', name: 'get_weather', arguments: 'not json' }] }, (body) => ({ reply: `E1 ${toolMessage(body)}` }));
    const bad = await (await s.request('POST', '/api/chat/completions', { token: userToken, body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], tool_ids: ['server:slow'] } })).json();
    expect(bad.choices[0].message.content).toContain('not a JSON object');
    up.turns.push({ toolCalls: [{ id: 'c_e2', name: 'get_weather', arguments: '{"city":"X"}' }] }, (body) => ({ reply: `E2 ${toolMessage(body)}` }));
    const err = await (await s.request('POST', '/api/chat/completions', { token: userToken, body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], tool_ids: ['server:slow'] } })).json();
    expect(err.choices[0].message.content).toContain('HTTP error 500: boom');

    // The MCP tool that reports an error, and a name the model made up.
    up.turns.push({ toolCalls: [{ id: 'c_f', name: 'orders_fail_always', arguments: '{}' }, { id: 'c_x', name: 'no_such_tool', arguments: '{}' }] }, (body) => ({
      reply: `F ${(body.messages as Json[]).filter((m) => m.role === 'tool').map((m) => m.content).join(' | ')}`,
    }));
    const f = await (await s.request('POST', '/api/chat/completions', { token: userToken, body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], tool_ids: ['server:mcp:orders'] } })).json();
    expect(f.choices[0].message.content).toContain('the warehouse is on fire');
    expect(f.choices[0].message.content).toContain('Tool no_such_tool not found');

    // A slow MCP tool hits the per-call timeout; a dead MCP server is skipped and the rest still works.
    mcp.delayMs = 1500;
    up.turns.push({ toolCalls: [{ id: 'c_t', name: 'orders_lookup_order', arguments: '{"order_id":"Z"}' }] }, (body) => ({ reply: `T ${toolMessage(body)}` }));
    const t = await (await s.request('POST', '/api/chat/completions', { token: userToken, body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], tool_ids: ['server:mcp:orders', 'server:mcp:deadmcp'] } })).json();
    mcp.delayMs = 0;
    expect(t.choices[0].message.content).toMatch(/T \{"error":".*timed out/i);
  });

  it('bounds the loop: a model that keeps calling tools stops after CHAT_RESPONSE_MAX_TOOL_CALL_RETRIES rounds', async () => {
    const call = { toolCalls: [{ id: 'c_loop', name: 'get_weather', arguments: '{"city":"Loop"}' }] };
    for (let i = 0; i < 40; i++) up.turns.push(call);
    const res = await s.request('POST', '/api/chat/completions', { token: userToken, body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], tool_ids: ['server:weather'] } });
    expect(res.status).toBe(200);
    expect(up.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(31);
  }, 30_000);

  it('with tools, a failing first model call is still a plain HTTP error (streamed or not)', async () => {
    for (const stream of [true, false]) {
      const res = await s.request('POST', '/api/chat/completions', { token: userToken, body: { model: 'no-such-model', stream, messages: [{ role: 'user', content: 'x' }], tool_ids: ['server:weather'] } });
      expect(res.status).toBe(400);
      expect((await res.json()).detail).toBe('Model not found');
    }
  });

  it('per-user tool servers: need the permission and never reach a private address', async () => {
    const direct = [{ url: weather.url, openapi: null, key: 'tool-key' }];
    up.turns.push({ reply: 'plain' });
    const res = await s.request('POST', '/api/chat/completions', { token: userToken, body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], tool_servers: direct } });
    expect((await res.json()).choices[0].message.content).toBe('plain');
    expect(up.requests.at(-1)!.body!.tools).toBeUndefined();

    // An admin holds the permission, but the URL is loopback: refused before any byte is sent.
    up.turns.push({ reply: 'still plain' });
    const r2 = await s.request('POST', '/api/chat/completions', { token: admin, body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], tool_servers: direct } });
    expect((await r2.json()).choices[0].message.content).toBe('still plain');
    expect(weather.hits).toHaveLength(0);
  });

  it('socket delivery: status events, the call in the streamed content, and the saved reply', async () => {
    const { user, token } = await createUser(s.ctx, { role: 'user' });
    const chat = await chatsServiceFor(s.ctx).create(user.id, {
      chat: { title: 'T', history: { currentId: 'u1', messages: { u1: { id: 'u1', role: 'user', content: 'hi', parentId: null, childrenIds: [] } } } },
    });
    const so: Socket = connect(s.url, { path: '/ws/socket.io', transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
    await new Promise<void>((r, j) => (so.once('connect', () => r()), so.once('connect_error', j)));
    const events: ChatEvent[] = [];
    const done = new Promise<string>((resolve) =>
      so.on('events', (e: ChatEvent) => {
        events.push(e);
        if (e.data.type === 'chat:completion' && e.data.data.done) resolve(e.data.data.content ?? '');
      }),
    );
    up.turns.push({ toolCalls: [{ id: 'call_s', name: 'get_weather', arguments: '{"city":"Lima"}' }] }, (body) => ({ reply: `Lima ${JSON.parse(toolMessage(body) ?? '{}').sky}` }));
    const res = await s.request('POST', '/api/chat/completions', {
      token,
      body: { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Lima?' }], tool_ids: ['server:weather'], chat_id: chat.id, id: 'a1', session_id: so.id },
    });
    expect((await res.json()).status).toBe(true);
    const content = await done;
    so.close();
    expect(content).toContain('name="get_weather"');
    expect(content).toContain('Lima zorblax-clear');
    const statuses = events.filter((e) => e.data.type === 'status').map((e) => (e.data.data as Json).description);
    expect(statuses).toEqual(['Running tool get_weather', 'Ran tool get_weather']);
    // While the tool ran, the reply showed the call as "Executing..." (the original's done="false" block).
    const contents = events.filter((e) => e.data.type === 'chat:completion').map((e) => (e.data.data as Json).content as string);
    expect(contents.some((c) => c?.includes('done="false"') && c.includes('<summary>Executing...</summary>'))).toBe(true);
    // The merged document: a reply lives in chat_message_overlay until the chat is compacted.
    const row = (await chatsServiceFor(s.ctx).repo.find(chat.id))!;
    const saved = JSON.parse(row.chat).history.messages.a1;
    expect(saved.content).toBe(content);
  });
});

describe('per-user tool servers when the admin allows local addresses', () => {
  let s: TestServer;
  let up: FakeOpenAI;
  let weather: FakeOpenApiServer;
  beforeAll(async () => {
    [up, weather] = await Promise.all([startFakeOpenAI(), startFakeOpenApiServer()]);
    s = await startTestServer({ BYPASS_MODEL_ACCESS_CONTROL: 'true', OPENAI_API_BASE_URL: up.url, ENABLE_OLLAMA_API: 'false', ENABLE_LOCAL_DIRECT_TOOL_SERVERS: 'true' });
  });
  afterAll(async () => {
    await s.close();
    await Promise.all([up.close(), weather.close()]);
  });

  it('fetches the spec, calls the user server with its key and answers with the result', async () => {
    weather.key = 'user-key';
    const { token } = await createUser(s.ctx, { role: 'admin' });
    up.turns.push({ toolCalls: [{ id: 'd1', name: 'create_order', arguments: '{"item":"tea","qty":2}' }] }, (body) => ({ reply: `ordered ${JSON.parse(toolMessage(body) ?? '{}').order_id}` }));
    const res = await s.request('POST', '/api/chat/completions', {
      token,
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Order tea' }], tool_servers: [{ url: weather.url, path: 'openapi.json', auth_type: 'bearer', key: 'user-key' }] },
    });
    const content = (await res.json()).choices[0].message.content as string;
    expect(content).toContain('ordered ord-77');
    const call = weather.hits.find((h) => h.url === '/orders')!;
    expect(call.method).toBe('POST');
    expect(JSON.parse(call.body)).toEqual({ item: 'tea', qty: 2 });
    expect(call.headers.authorization).toBe('Bearer user-key');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startFakeMcpServer, startFakeOpenApiServer, type FakeMcpServer, type FakeOpenApiServer } from '../../server/test/fakes/fake-tool-servers.ts';
import { apiSignup, chatRequests, screenshot, startStack, type Stack } from '../fixtures.ts';
import { ChatPage } from '../pages/chat-page.ts';

type Json = Record<string, any>;
const toolMessage = (body: Json) => (body.messages as Json[]).find((m) => m.role === 'tool')?.content as string | undefined;

/**
 * Issue 19's "done when": an admin registers a tool server, enables it in a chat, asks what only the
 * tool knows, and sees the call and an answer built from its result; the same with an MCP server; a
 * dead tool server does not break the chat.
 */
describe('tool servers in the UI', () => {
  let stack: Stack;
  let page: Page;
  let chat: ChatPage;
  let weather: FakeOpenApiServer;
  let mcp: FakeMcpServer;

  beforeAll(async () => {
    [weather, mcp] = await Promise.all([startFakeOpenApiServer(), startFakeMcpServer()]);
    // No background title/tags/follow-up tasks: their /api/chat calls would take the scripted tool turns.
    const noTasks = { ENABLE_TITLE_GENERATION: 'false', ENABLE_TAGS_GENERATION: 'false', ENABLE_FOLLOW_UP_GENERATION: 'false' };
    stack = await startStack({ ollama: { models: ['llama3:latest'] }, env: { TOOL_SERVER_CALL_TIMEOUT: '2', ENABLE_LOCAL_DIRECT_TOOL_SERVERS: 'true', ...noTasks } });
    await apiSignup(stack.baseUrl, 'Admin', 'admin@example.com', 'pass-word-1');
    page = await stack.newPage();
    chat = await ChatPage.signIn(page, 'admin@example.com', 'pass-word-1');
  });
  afterAll(async () => {
    await stack?.close();
    await weather?.close();
    await mcp?.close();
  });

  async function addServer(i: number, fields: { type?: 'openapi' | 'mcp'; url: string; name: string }) {
    await page.getByTestId('tool-server-add').click();
    const row = page.getByTestId('tool-server').nth(i);
    if (fields.type) await row.getByTestId('tool-server-type').selectOption(fields.type);
    await row.getByTestId('tool-server-url').fill(fields.url);
    await row.getByTestId('tool-server-auth').selectOption('none');
    await row.getByTestId('tool-server-name').fill(fields.name);
    await row.getByTestId('tool-server-verify').click();
    await expect.poll(() => row.getByTestId('tool-server-verify-result').getAttribute('data-ok')).toBe('true');
  }

  it('an admin registers an OpenAPI and an MCP server in Admin > Settings > External Tools', async () => {
    await page.goto('/admin/settings/tools');
    await page.getByTestId('tools-admin').waitFor();
    await addServer(0, { url: weather.url, name: 'Weather' });
    await addServer(1, { type: 'mcp', url: mcp.url, name: 'Orders' });
    await page.getByTestId('tools-admin-save').click();
    await page.getByTestId('tools-admin-saved').waitFor();
    await page.reload();
    await expect.poll(() => page.getByTestId('tool-server').count()).toBe(2);
    await screenshot(page, 'tools-admin');
  });

  it('the OpenAPI tool answers a question in chat, and the call is shown with its arguments and result', async () => {
    stack.ollama.script({
      turns: [
        { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] },
        (body) => ({ reply: `In Paris the sky is ${JSON.parse(toolMessage(body) ?? '{}').sky}.` }),
      ],
    });
    await page.goto('/');
    await chat.waitReady();
    await page.getByTestId('tools-menu-button').click();
    await page.getByTestId('tools-toggle-server:weather').check();
    await page.getByTestId('tools-menu-button').click();
    expect(await page.getByTestId('tools-selected-count').innerText()).toBe('1');
    await chat.send('What is the weather in Paris?');
    await chat.waitReplyDone();
    expect(await chat.lastReplyText()).toContain('In Paris the sky is zorblax-clear.');
    const call = chat.assistant().getByTestId('tool-call');
    expect(await call.getAttribute('data-tool-name')).toBe('get_weather');
    await call.locator('summary').click();
    expect(await call.getByTestId('tool-call-arguments').innerText()).toContain('"city": "Paris"');
    expect(await call.getByTestId('tool-call-result').innerText()).toContain('zorblax-clear');
    expect(weather.hits.some((h) => h.url === '/weather/Paris')).toBe(true);
    await screenshot(page, 'tools-openapi-call');

    // Reload: the saved reply still shows the call.
    await page.reload();
    await chat.assistant().getByTestId('tool-call').waitFor();

    // A follow-up sends the earlier reply back with the call as its quoted result, not as markup.
    stack.ollama.script({ turns: [], reply: 'You are welcome.' });
    await chat.send('Thanks!');
    await chat.waitReplyDone();
    const sent = chatRequests(stack).at(-1)! as Json;
    const earlier = (sent.messages as Json[]).find((m) => m.role === 'assistant')!.content as string;
    expect(earlier).not.toContain('<details');
    expect(earlier).toContain('zorblax-clear');
    expect(earlier).toContain('In Paris the sky is zorblax-clear.');
  });

  it('the same with the MCP server', async () => {
    stack.ollama.script({
      turns: [
        { toolCalls: [{ name: 'orders_lookup_order', arguments: { order_id: 'A-7' } }] },
        (body) => ({ reply: `Order A-7 is ${JSON.parse(toolMessage(body) ?? '[{}]')[0].status}.` }),
      ],
    });
    await chat.newChat();
    await page.getByTestId('tools-menu-button').click();
    await page.getByTestId('tools-toggle-server:weather').uncheck();
    await page.getByTestId('tools-toggle-server:mcp:orders').check();
    await page.getByTestId('tools-menu-button').click();
    await chat.send('Where is my order A-7?');
    await chat.waitReplyDone();
    expect(await chat.lastReplyText()).toContain('Order A-7 is shipped-via-quokka-express.');
    expect(await chat.assistant().getByTestId('tool-call').getAttribute('data-tool-name')).toBe('orders_lookup_order');
    expect(mcp.calls.at(-1)).toMatchObject({ name: 'lookup_order', args: { order_id: 'A-7' } });
  });

  it('a dead tool server gives a visible tool error and the chat still answers', async () => {
    weather.mode = 'slow';
    stack.ollama.script({
      turns: [
        { toolCalls: [{ name: 'get_weather', arguments: { city: 'Rome' } }] },
        (body) => ({ reply: toolMessage(body)?.includes('error') ? 'The weather service is not answering right now.' : 'unexpected' }),
      ],
    });
    await chat.newChat();
    await page.getByTestId('tools-menu-button').click();
    await page.getByTestId('tools-toggle-server:mcp:orders').uncheck();
    await page.getByTestId('tools-toggle-server:weather').check();
    await page.getByTestId('tools-menu-button').click();
    await chat.send('Weather in Rome?');
    await chat.waitReplyDone();
    expect(await chat.lastReplyText()).toContain('The weather service is not answering right now.');
    const call = chat.assistant().getByTestId('tool-call');
    await call.locator('summary').click();
    expect(await call.getByTestId('tool-call-result').innerText()).toContain('did not answer in time');
    await screenshot(page, 'tools-dead-server');
    // The composer works on.
    stack.ollama.script({ turns: [], reply: 'Still here.' });
    await chat.send('Hello?');
    await chat.waitReplyDone();
    expect(await chat.lastReplyText()).toContain('Still here.');
  });

  it('a user-level tool server from Settings is used in chat', async () => {
    weather.mode = 'ok';
    await page.goto('/settings');
    const mine = page.getByTestId('user-tool-servers');
    await mine.waitFor();
    await mine.getByTestId('tool-server-add').click();
    await mine.getByTestId('tool-server-url').fill(weather.url);
    await mine.getByTestId('tool-server-auth').selectOption('none');
    await mine.getByTestId('user-tool-servers-save').click();
    await mine.getByTestId('user-tool-servers-notice').waitFor();

    stack.ollama.script({
      turns: [
        { toolCalls: [{ name: 'create_order', arguments: { item: 'tea', qty: 3 } }] },
        (body) => ({ reply: `Your order is ${JSON.parse(toolMessage(body) ?? '{}').order_id}.` }),
      ],
    });
    await page.goto('/');
    await chat.waitReady();
    await page.getByTestId('tools-menu-button').click();
    await page.getByTestId('tools-toggle-server:weather').uncheck();
    await page.getByTestId('tools-user-servers').waitFor();
    await page.getByTestId('tools-menu-button').click();
    await chat.send('Order three teas');
    await chat.waitReplyDone();
    expect(await chat.lastReplyText()).toContain('Your order is ord-77.');
    expect(weather.hits.some((h) => h.method === 'POST' && h.url === '/orders' && JSON.parse(h.body).qty === 3)).toBe(true);
  });
});

import fs from 'node:fs';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall, apiSignup, screenshot, startStack, type Stack } from '../fixtures.ts';
import { ChatPage } from '../pages/chat-page.ts';

/** A tiny valid PNG (solid colour), for the profile picture upload. */
function png(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(8, 0);
  ihdr.writeUInt32BE(8, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.concat(Array.from({ length: 8 }, () => Buffer.from([0, ...Array.from({ length: 8 }, () => [200, 40, 40]).flat()])));
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

describe('chat app features (issue 16), desktop', () => {
  let stack: Stack;
  let chat: ChatPage;
  let admin: { token: string; id: string };
  const api = <T>(method: string, p: string, body?: unknown) => apiCall<T>(stack.baseUrl, admin.token, method, p, body);
  beforeAll(async () => {
    stack = await startStack({
      ollama: {
        models: ['llama3:latest', 'qwen2:7b'],
        reply: 'A plain answer.',
        replyWhen: [{ prompt: /questions the user could ask next/, reply: '{"follow_ups": ["Tell me more?", "Why is that?"]}' }],
      },
    });
    admin = await apiSignup(stack.baseUrl, 'Ada', 'ada@example.com', 'pass-word-1');
    const page = await stack.newPage();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    chat = await ChatPage.signIn(page, 'ada@example.com', 'pass-word-1');
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('several models answer side by side; follow-up suggestions appear and send a question', async () => {
    const page = chat.page;
    await page.getByTestId('model-add').click();
    await page.getByTestId('model-menu').locator('[data-model-id="qwen2:7b"]').click();
    expect(await chat.models()).toEqual(['llama3:latest', 'qwen2:7b']);
    await chat.send('Compare yourselves');
    await page.getByTestId('multi-response').waitFor();
    await expect.poll(() => page.locator('[data-testid="multi-response"] [data-testid="message-assistant"][data-done="true"]').count(), { timeout: 15_000 }).toBe(2);
    const models = await page.locator('[data-testid="multi-response"] [data-testid="message-model"]').allInnerTexts();
    expect(models.sort()).toEqual(['llama3:latest', 'qwen2:7b']);
    await page.getByTestId('follow-up').first().waitFor({ timeout: 15_000 });
    stack.ollama.script({ reply: 'One merged answer.' });
    await page.getByTestId('merge-responses').click();
    await expect.poll(() => page.getByTestId('merged-response').innerText()).toContain('One merged answer.');
    stack.ollama.script({ reply: 'A plain answer.' });
    await screenshot(page, 'chat-multi-model');
    await page.getByTestId('model-remove').click();
    expect(await chat.models()).toEqual(['llama3:latest']);
    await page.getByTestId('follow-up').first().click();
    await expect.poll(() => page.getByTestId('message-user').last().innerText()).toContain('Tell me more?');
    await chat.waitReplyDone();
  });

  it('chat controls: system prompt and parameters reach the model', async () => {
    const page = chat.page;
    await chat.newChat();
    await page.getByTestId('chat-controls-toggle').click();
    await page.getByTestId('controls-system').fill('You are terse.');
    await page.getByTestId('controls-temperature').fill('0.3');
    await page.getByTestId('controls-max_tokens').fill('64');
    await page.getByTestId('controls-seed').fill('42');
    await screenshot(page, 'chat-controls');
    stack.ollama.reset();
    await chat.send('Hello with controls');
    await chat.waitReplyDone();
    const req = stack.ollama.requests.find((r) => r.path === '/api/chat' && JSON.stringify(r.body).includes('Hello with controls'))!.body as any;
    expect(req.options).toMatchObject({ temperature: 0.3, num_predict: 64, seed: 42 });
    expect(req.messages[0]).toEqual({ role: 'system', content: 'You are terse.' });
    await page.getByTestId('chat-controls-close').click();
  });

  it('prompt suggestions on an empty chat start a conversation; an admin replaces them', async () => {
    const page = chat.page;
    await chat.newChat();
    expect(await page.getByTestId('prompt-suggestion').count()).toBe(4);
    await page.getByTestId('prompt-suggestion').first().click();
    await expect.poll(() => page.getByTestId('message-user').last().innerText()).toContain('public-key cryptography');
    await chat.waitReplyDone();
    await api('POST', '/api/v1/configs/suggestions', { suggestions: [{ title: ['Our own', 'starter'], content: 'Our own starter' }] });
    await page.reload();
    await chat.waitReady();
    await chat.newChat();
    await expect.poll(() => page.getByTestId('prompt-suggestion').allInnerTexts()).toEqual(['Our own\nstarter']);
  });

  it('Interface settings: auto titles off (the original setting name) means no title request', async () => {
    const page = chat.page;
    await page.goto('/settings?tab=interface');
    await page.getByTestId('settings-auto-title').uncheck();
    await page.getByTestId('settings-interface-save').click();
    await page.getByTestId('settings-notice').waitFor();
    expect((await api<{ ui: { title?: { auto?: boolean } } }>('GET', '/api/v1/users/user/settings')).ui.title).toEqual({ auto: false });
    await page.goto('/');
    await chat.waitReady();
    stack.ollama.reset();
    await chat.send('No title task please');
    await chat.waitReplyDone();
    await page.waitForTimeout(500);
    expect(stack.ollama.requests.some((r) => JSON.stringify(r.body).includes('short title'))).toBe(false);
    expect(await page.getByTestId('chat-title').innerText()).toBe('No title task please');
    await page.goto('/settings?tab=interface');
    await page.getByTestId('settings-auto-title').check();
    await page.getByTestId('settings-interface-save').click();
    await page.getByTestId('settings-notice').waitFor();
    await page.goto('/');
    await chat.waitReady();
  });

  it('temporary chat: answered but never saved', async () => {
    const page = chat.page;
    await chat.newChat();
    const before = (await api<unknown[]>('GET', '/api/v1/chats/?page=1')).length;
    await page.getByTestId('temporary-toggle').click();
    await page.getByTestId('temporary-notice').waitFor();
    await chat.send('Do not keep this');
    await chat.waitReplyDone();
    expect(await chat.lastReplyText()).toContain('A plain answer.');
    expect(new URL(page.url()).pathname).toBe('/');
    expect((await api<unknown[]>('GET', '/api/v1/chats/?page=1')).length).toBe(before);
    await page.getByTestId('temporary-toggle').click();
  });

  it('message actions: edit the reply, rate it, info, timestamps, continue, delete', async () => {
    const page = chat.page;
    await chat.newChat();
    await chat.send('Rate me');
    await chat.waitReplyDone();
    await page.waitForURL(/\/c\//);
    expect(await chat.assistant().getByTestId('message-time').innerText()).toMatch(/\d/);

    await chat.assistant().getByTestId('edit-reply').click();
    await page.getByTestId('edit-input').fill('An answer I corrected.');
    await page.getByTestId('edit-submit').click();
    expect(await chat.lastReplyText()).toContain('An answer I corrected.');

    await chat.assistant().getByTestId('rate-down').click();
    await page.getByTestId('rating-comment').fill('too short');
    await page.getByTestId('rating-comment-form').locator('button[type=submit]').click();
    await expect.poll(async () => (await api<any[]>('GET', '/api/v1/evaluations/feedbacks/user'))[0]?.data).toMatchObject({ rating: -1, comment: 'too short', model_id: 'llama3:latest' });

    await chat.assistant().getByTestId('message-info').click();
    expect(await page.getByTestId('message-info-panel').innerText()).toContain('llama3:latest');

    stack.ollama.script({ reply: ' And more.' });
    await chat.assistant().getByTestId('continue-reply').click();
    await expect.poll(() => chat.lastReplyText()).toMatch(/An answer I corrected\.\s?And more\./);
    await chat.waitReplyDone();
    stack.ollama.script({ reply: 'A plain answer.' });

    await page.reload();
    await chat.assistant().waitFor();
    expect(await chat.lastReplyText()).toContain('And more.');
    await chat.assistant().getByTestId('delete-message').click();
    await expect.poll(() => page.getByTestId('message-assistant').count()).toBe(0);
    await page.reload();
    await page.getByTestId('message-user').waitFor();
    expect(await page.getByTestId('message-assistant').count()).toBe(0);
  });

  it('renders LaTeX with KaTeX and Mermaid diagrams, loaded only when needed', async () => {
    const page = chat.page;
    const loaded: string[] = [];
    page.on('response', (r) => loaded.push(r.url()));
    stack.ollama.script({ reply: 'Euler: $e^{i\\pi}+1=0$\n\n$$\\int_0^1 x^2 dx$$\n\n```mermaid\ngraph TD; A-->B;\n```' });
    await chat.newChat();
    await chat.send('Math and a diagram');
    await chat.waitReplyDone();
    await chat.assistant().locator('.katex').first().waitFor();
    await chat.assistant().locator('.mermaid-block svg').waitFor({ timeout: 20_000 }).catch(async (e) => {
      console.log('MERMAID', await chat.assistant().locator('.mermaid-block').evaluate((el) => el.outerHTML.slice(0, 500)));
      throw e;
    });
    await screenshot(page, 'chat-math-mermaid');
    stack.ollama.script({ reply: 'A plain answer.' });
  });

  it('tags, folders, share (read-only /s/<id>), clone and export', async () => {
    const page = chat.page;
    await chat.newChat();
    await chat.send('Organise me');
    await chat.waitReplyDone();
    await page.waitForURL(/\/c\//);
    const chatId = new URL(page.url()).pathname.split('/').pop()!;

    await page.getByTestId('chat-header-menu').click();
    await page.getByTestId('chat-tag-input').fill('work');
    await page.getByTestId('chat-tag-input').press('Enter');
    await page.getByTestId('chat-tag').filter({ hasText: 'work' }).waitFor();
    expect((await api<Array<{ name: string }>>('GET', `/api/v1/chats/${chatId}/tags`)).map((t) => t.name)).toContain('work');

    const downloads: string[] = [];
    page.on('download', (d) => downloads.push(d.suggestedFilename()));
    await page.getByTestId('chat-export-json').click();
    await page.getByTestId('chat-header-menu').click();
    await page.getByTestId('chat-export-txt').click();
    await expect.poll(() => downloads.length).toBe(2);
    expect(downloads[0]).toMatch(/\.json$/);
    expect(downloads[1]).toMatch(/\.txt$/);
    await page.evaluate(() => ((window as any).print = () => ((window as any).__printed = true)));
    await page.getByTestId('chat-header-menu').click();
    await page.getByTestId('chat-export-pdf').click();
    expect(await page.evaluate(() => (window as any).__printed)).toBe(true);

    await page.getByTestId('chat-header-menu').click();
    await page.getByTestId('chat-share').click();
    await page.getByTestId('share-link').waitFor();
    const shareUrl = await page.getByTestId('share-link').locator('a').getAttribute('href');
    const shared = await page.context().newPage();
    await shared.goto(shareUrl!);
    await shared.getByTestId('shared-title').waitFor().catch(async (e) => {
      console.log('SHARED', shareUrl, shared.url(), await shared.locator('body').innerText());
      throw e;
    });
    expect(await shared.getByTestId('shared-user').innerText()).toContain('Organise me');
    expect(await shared.getByTestId('chat-input').count()).toBe(0);
    await screenshot(shared, 'shared-chat');
    await shared.close();
    await page.keyboard.press('Escape');

    await page.getByTestId('chat-header-menu').click();
    await page.getByTestId('chat-clone').click();
    await page.waitForURL((u) => !u.pathname.endsWith(chatId));
    await expect.poll(() => page.getByTestId('chat-title').innerText()).toMatch(/^Clone of /);

    // Folders: create, rename, move the chat in, expand.
    await page.getByTestId('folder-new').click();
    await page.getByTestId('folder-rename-input').fill('Projects');
    await page.getByTestId('folder-rename-input').press('Enter');
    await page.getByTestId('folder-name').filter({ hasText: 'Projects' }).waitFor();
    const item = page.locator(`[data-testid="chat-item"][data-chat-id="${chatId}"]`);
    await item.getByTestId('chat-menu').click();
    await item.getByTestId('chat-move').click();
    await item.getByTestId('chat-move-target').filter({ hasText: 'Projects' }).click();
    await page.getByTestId('folder-toggle').click();
    await page.getByTestId('folder-chats').locator(`[data-chat-id="${chatId}"]`).waitFor();
    const folders = await api<Array<{ id: string; name: string; is_expanded: boolean }>>('GET', '/api/v1/folders/');
    expect(folders).toMatchObject([{ name: 'Projects', is_expanded: true }]);
    expect((await api<Array<{ id: string }>>('GET', `/api/v1/chats/folder/${folders[0]!.id}`)).map((c) => c.id)).toEqual([chatId]);
    await screenshot(page, 'sidebar-folders');
  });

  it('banners from the admin show above the chat and can be dismissed', async () => {
    await api('POST', '/api/v1/configs/banners', { banners: [{ id: 'b1', type: 'warning', title: 'Heads up', content: 'Maintenance **tonight**', dismissible: true, timestamp: 1 }] });
    const page = chat.page;
    await page.reload();
    await page.getByTestId('banner').waitFor();
    expect(await page.getByTestId('banner').innerText()).toContain('Maintenance tonight');
    await page.getByTestId('banner-dismiss').click();
    await page.reload();
    await chat.waitReady();
    await page.waitForTimeout(300);
    expect(await page.getByTestId('banner').count()).toBe(0);
  });

  it('shortcuts help (Ctrl+/), OLED theme', async () => {
    const page = chat.page;
    await page.keyboard.press('Control+/');
    await page.getByTestId('shortcuts-dialog').waitFor();
    await screenshot(page, 'shortcuts');
    await page.keyboard.press('Escape');
    await page.getByTestId('shortcuts-dialog').waitFor({ state: 'detached' });

    await page.goto('/settings');
    await page.getByTestId('settings-theme').selectOption('oled');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-notice').waitFor();
    expect(await page.evaluate(() => [document.documentElement.classList.contains('dark'), document.documentElement.classList.contains('oled'), getComputedStyle(document.body).backgroundColor])).toEqual([true, true, 'rgb(0, 0, 0)']);
    await page.goto('/');
    await chat.waitReady();
    await screenshot(page, 'chat-oled');
    await page.goto('/settings');
    await page.getByTestId('settings-theme').selectOption('light');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-notice').waitFor();
  });

  it('settings: memories, data controls (export, import, archive all, delete all), profile picture', async () => {
    const page = chat.page;
    await page.goto('/settings?tab=personalization');
    await page.getByTestId('memory-enable').check();
    await page.getByTestId('memory-input').fill('I prefer metric units');
    await page.getByTestId('memory-add').click();
    await page.getByTestId('memory-item').filter({ hasText: 'I prefer metric units' }).waitFor();
    expect((await api<Array<{ content: string }>>('GET', '/api/v1/memories/')).map((m) => m.content)).toEqual(['I prefer metric units']);
    await screenshot(page, 'settings-memories');

    // The memory reaches the model as user context.
    await page.goto('/');
    await chat.waitReady();
    stack.ollama.reset();
    await chat.send('Units?');
    await chat.waitReplyDone();
    const sent = stack.ollama.requests.find((r) => r.path === '/api/chat' && JSON.stringify(r.body).includes('Units?'))!.body as any;
    expect(sent.messages[0].content).toContain('I prefer metric units');

    await page.goto('/settings?tab=data');
    const dl = page.waitForEvent('download');
    await page.getByTestId('export-chats').click();
    const file = await (await dl).path();
    const exported = JSON.parse(fs.readFileSync(file!, 'utf8')) as unknown[];
    expect(exported.length).toBeGreaterThan(2);

    page.on('dialog', (d) => void d.accept());
    await page.getByTestId('delete-all').click();
    await page.getByTestId('data-notice').filter({ hasText: 'All chats deleted' }).waitFor();
    expect(await api<unknown[]>('GET', '/api/v1/chats/all')).toEqual([]);
    await page.getByTestId('import-file').setInputFiles(file!);
    await page.getByTestId('data-notice').filter({ hasText: 'imported' }).waitFor();
    expect((await api<unknown[]>('GET', '/api/v1/chats/all')).length).toBe(exported.length);
    await page.getByTestId('archive-all').click();
    await expect.poll(async () => (await api<unknown[]>('GET', '/api/v1/chats/?page=1')).length).toBe(0);
    await screenshot(page, 'settings-data');

    await page.getByTestId('settings-tab-account').click();
    await page.getByTestId('settings-avatar-input').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png() });
    await expect.poll(() => page.getByTestId('settings-avatar').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    await page.getByTestId('settings-name-save').click();
    await expect.poll(async () => (await api<{ profile_image_url: string }>('GET', '/api/v1/auths/')).profile_image_url).toMatch(/^data:image\/png/);
    await expect.poll(() => page.getByTestId('user-avatar').evaluate((el) => (el as HTMLImageElement).src)).toMatch(/^data:image\/png/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall, apiSignup, screenshot, startStack, type Stack } from '../fixtures.ts';
import { AuthPage } from '../pages/auth-page.ts';
import { ChatPage } from '../pages/chat-page.ts';

const PHONE = { width: 390, height: 844 };

describe('chat app on a phone and in Simplified Chinese (issue 16)', () => {
  let stack: Stack;
  let admin: { token: string };
  beforeAll(async () => {
    // Bo (a plain user) chats too: models are admin-only unless shared, so let every user see them.
    stack = await startStack({ ollama: { models: ['llama3:latest'], reply: '你好，这是回答。' }, env: { BYPASS_MODEL_ACCESS_CONTROL: 'true' } });
    admin = await apiSignup(stack.baseUrl, '管理员', 'admin@example.com', 'pass-word-1');
    await apiCall(stack.baseUrl, admin.token, 'POST', '/api/v1/auths/admin/config', {
      ...(await apiCall<Record<string, unknown>>(stack.baseUrl, admin.token, 'GET', '/api/v1/auths/admin/config')),
      ENABLE_SIGNUP: true,
      DEFAULT_USER_ROLE: 'user',
    });
    await apiSignup(stack.baseUrl, 'Bo', 'bo@example.com', 'pass-word-1');
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('7. phone: the drawer closes after tapping a chat; the admin users table scrolls instead of clipping', async () => {
    const page = await stack.newPage({ viewport: PHONE, locale: 'en-US' });
    const chat = await ChatPage.signIn(page, 'admin@example.com', 'pass-word-1');
    await chat.send('First question');
    await chat.waitReplyDone();
    await screenshot(page, 'phone-chat');
    await page.getByTestId('sidebar-open').click();
    await page.getByTestId('sidebar').waitFor();
    await screenshot(page, 'phone-sidebar');
    await page.getByTestId('new-chat').click();
    await page.getByTestId('sidebar').waitFor({ state: 'detached' });
    await page.getByTestId('sidebar-open').click();
    await page.getByTestId('chat-link').first().click();
    await page.getByTestId('sidebar').waitFor({ state: 'detached' });
    await page.getByTestId('message-user').waitFor();

    await page.goto('/admin/users');
    await page.getByTestId('users-table').waitFor();
    const box = await page.getByTestId('users-table-scroll').evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    expect(box.scroll).toBeGreaterThan(box.client);
    await page.getByTestId('users-table-scroll').evaluate((el) => (el.scrollLeft = el.scrollWidth));
    const del = page.getByTestId('user-delete').first();
    const r = (await del.boundingBox())!;
    expect(r.x + r.width).toBeLessThanOrEqual(PHONE.width);
    expect(r.x).toBeGreaterThanOrEqual(0);
    await screenshot(page, 'phone-admin-users');
  });

  it('9. zh-CN: table headers, role names, server errors and new screens are Chinese', async () => {
    const page = await stack.newPage({ locale: 'zh-CN' });
    const auth = new AuthPage(page);
    await auth.goto();
    await auth.signin('admin@example.com', 'wrong-password');
    await auth.error().waitFor();
    expect(await auth.error().innerText()).toBe('邮箱或密码不正确。');
    await auth.signin('admin@example.com', 'pass-word-1');
    const chat = new ChatPage(page);
    await chat.waitReady();
    expect(await page.getByTestId('prompt-suggestion').first().innerText()).toContain('解释一个概念');
    await page.getByTestId('model-select').click();
    expect(await page.getByTestId('model-search').getAttribute('placeholder')).toBe('搜索模型');
    await page.keyboard.press('Escape');
    expect(await page.getByTestId('temporary-toggle').getAttribute('aria-label')).toBe('临时对话');
    await chat.send('你好');
    await chat.waitReplyDone();
    expect(await chat.assistant().getByTestId('rate-up').getAttribute('aria-label')).toBe('好的回答');
    expect(await page.getByTestId('chat-group').first().innerText()).toBe('今天');
    await screenshot(page, 'chat-zh-CN-full');

    await page.goto('/admin/users');
    await page.getByTestId('users-table').waitFor();
    const headers = await page.locator('[data-testid="users-table"] thead th').allInnerTexts();
    expect(headers.join(' ')).toContain('最近活跃');
    const roles = await page.locator('[data-testid="user-row"][data-email="bo@example.com"] [data-testid="user-role"] option').allInnerTexts();
    expect(roles).toEqual(['待激活', '用户', '管理员']);

    await page.goto('/settings');
    await page.getByTestId('settings-tab-account').waitFor();
    const tabs = await page.locator('[data-testid^="settings-tab-"]').allInnerTexts();
    expect(tabs).toContain('个性化');
    expect(tabs).toContain('数据管理');
    await page.getByTestId('settings-tab-account').click();
    expect(await page.getByTestId('api-keys-disabled').innerText()).toContain('API 密钥已禁用');
  });

  it("a user's permissions hide what they may not do (controls, temporary chat, share, delete message)", async () => {
    const perms = await apiCall<Record<string, any>>(stack.baseUrl, admin.token, 'GET', '/api/v1/users/default/permissions');
    await apiCall(stack.baseUrl, admin.token, 'POST', '/api/v1/users/default/permissions', { ...perms, chat: { ...perms.chat, controls: false, temporary: false, share: false, delete_message: false } });
    const page = await stack.newPage();
    const chat = await ChatPage.signIn(page, 'bo@example.com', 'pass-word-1');
    expect(await page.getByTestId('chat-controls-toggle').count()).toBe(0);
    expect(await page.getByTestId('temporary-toggle').count()).toBe(0);
    await chat.send('Hello');
    await chat.waitReplyDone();
    expect(await page.getByTestId('delete-message').count()).toBe(0);
    await page.getByTestId('chat-header-menu').click();
    await page.getByTestId('chat-clone').waitFor();
    expect(await page.getByTestId('chat-share').count()).toBe(0);
    await apiCall(stack.baseUrl, admin.token, 'POST', '/api/v1/users/default/permissions', perms);
  });

  it('3. upstream down: the admin sees the failing connection and the fix link; a user is told to ask the admin', async () => {
    await apiCall(stack.baseUrl, admin.token, 'POST', '/ollama/config/update', { ENABLE_OLLAMA_API: true, OLLAMA_BASE_URLS: ['http://127.0.0.1:9'], OLLAMA_API_CONFIGS: {} });
    const adminPage = await stack.newPage();
    await new AuthPage(adminPage).goto();
    await new AuthPage(adminPage).signin('admin@example.com', 'pass-word-1');
    await adminPage.getByTestId('no-models-notice').waitFor();
    await adminPage.getByTestId('models-failing').waitFor({ timeout: 20_000 });
    expect(await adminPage.getByTestId('models-failing').innerText()).toContain('http://127.0.0.1:9');
    expect(await adminPage.getByTestId('models-fix-link').getAttribute('href')).toBe('/admin/settings/connections');
    await screenshot(adminPage, 'models-down-admin');

    const userPage = await stack.newPage();
    await new AuthPage(userPage).goto();
    await new AuthPage(userPage).signin('bo@example.com', 'pass-word-1');
    await userPage.getByTestId('models-ask-admin').waitFor();
    expect(await userPage.getByTestId('models-ask-admin').innerText()).toContain('Ask your administrator');
    // A message sent anyway explains itself too.
    const chat = new ChatPage(userPage);
    await chat.send('Anyone there?');
    await userPage.getByTestId('message-error').waitFor();
    expect(await userPage.getByTestId('message-error-hint').innerText()).toContain('Ask your administrator');
    expect(await userPage.getByTestId('connection-settings-link').count()).toBe(0);
    await apiCall(stack.baseUrl, admin.token, 'POST', '/ollama/config/update', { ENABLE_OLLAMA_API: true, OLLAMA_BASE_URLS: [stack.ollama.url], OLLAMA_API_CONFIGS: {} });
  });
});

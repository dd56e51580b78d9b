import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSignup, screenshot, startStack, type Stack } from '../fixtures.ts';
import { AdminPage } from '../pages/admin-page.ts';
import { AuthPage } from '../pages/auth-page.ts';
import { ChatPage } from '../pages/chat-page.ts';

describe('admin settings and user settings', () => {
  let stack: Stack;
  let admin: AdminPage;
  beforeAll(async () => {
    stack = await startStack();
    await apiSignup(stack.baseUrl, 'Ada', 'ada@example.com', 'pass-word-1');
    const page = await stack.newPage();
    await new AuthPage(page).goto();
    await new AuthPage(page).signin('ada@example.com', 'pass-word-1');
    await new ChatPage(page).waitReady();
    admin = new AdminPage(page);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('verifying a connection shows success for the real server and the exact error for a wrong URL', async () => {
    await admin.openConnections();
    expect(await admin.ollamaUrl(0).inputValue()).toBe(stack.ollama.url);
    expect(await admin.verifyOllama(0)).toMatch(/verified/i);

    await admin.ollamaUrl(0).fill('http://127.0.0.1:9');
    const text = await admin.verifyOllama(0);
    expect(await admin.page.getByTestId('verify-result').first().getAttribute('data-ok')).toBe('false');
    const direct = await fetch(`${stack.baseUrl}/ollama/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await admin.page.evaluate(() => localStorage.getItem('token'))}` },
      body: JSON.stringify({ url: 'http://127.0.0.1:9' }),
    }).then((r) => r.json() as Promise<{ detail: string }>);
    expect(text).toBe(direct.detail);
    await screenshot(admin.page, 'admin-connections-error');
  });

  it('pulling a model shows a progress bar that reaches 100%', async () => {
    await admin.openConnections();
    await admin.page.getByTestId('pull-name').fill('mistral');
    await admin.page.getByTestId('pull-submit').click();
    await admin.page.getByTestId('pull-done').waitFor();
    expect(await admin.page.getByTestId('pull-status').innerText()).toContain('100%');
    expect(stack.ollama.requests.some((r) => r.path === '/api/pull')).toBe(true);
  });

  it('user settings: dark theme, default model and system prompt persist across a reload', async () => {
    const page = admin.page;
    await page.goto('/settings');
    await page.getByTestId('settings-theme').selectOption('dark');
    await page.getByTestId('settings-system').fill('You are terse.');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-notice').waitFor();
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(true);
    await page.reload();
    await page.getByTestId('settings-system').waitFor();
    expect(await page.getByTestId('settings-system').inputValue()).toBe('You are terse.');
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(true);
    await screenshot(page, 'settings-dark');
    await page.getByTestId('settings-theme').selectOption('light');
    await page.getByTestId('settings-save').click();
  });

  it('works at phone width: the sidebar folds away and opens on demand', async () => {
    const phone = await stack.newPage({ viewport: { width: 390, height: 844 } });
    await new AuthPage(phone).goto();
    await new AuthPage(phone).signin('ada@example.com', 'pass-word-1');
    const chat = new ChatPage(phone);
    await chat.waitReady();
    expect(await phone.getByTestId('sidebar').count()).toBe(0);
    await phone.getByTestId('sidebar-open').click();
    await phone.getByTestId('sidebar').waitFor();
    await screenshot(phone, 'phone-sidebar');
    const inputBox = await phone.getByTestId('chat-input').boundingBox();
    expect(inputBox!.width).toBeLessThanOrEqual(390);
  });
});

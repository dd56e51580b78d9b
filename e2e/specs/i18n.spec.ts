import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSignup, screenshot, startStack, type Stack } from '../fixtures.ts';
import { AuthPage } from '../pages/auth-page.ts';
import { ChatPage } from '../pages/chat-page.ts';

describe('Simplified Chinese', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    await apiSignup(stack.baseUrl, '管理员', 'admin@example.com', 'pass-word-1');
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('a zh-CN browser gets the Chinese UI, and the language switch changes it back', async () => {
    const page = await stack.newPage({ locale: 'zh-CN' });
    const auth = new AuthPage(page);
    await auth.goto();
    expect(await page.getByTestId('auth-submit').innerText()).toBe('登录');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await screenshot(page, 'signin-zh-CN');
    await auth.signin('admin@example.com', 'pass-word-1');
    const chat = new ChatPage(page);
    await chat.waitReady();
    expect(await page.getByTestId('new-chat').innerText()).toContain('新对话');
    expect(await page.getByTestId('chat-input').getAttribute('placeholder')).toBe('输入消息');
    // The model list arrives right after sign-in; a fresh chat must pick it up as its default.
    await expect.poll(() => chat.modelValue()).toBe('llama3:latest');
    await screenshot(page, 'chat-zh-CN');

    await page.goto('/settings');
    await page.getByTestId('settings-language').selectOption('en-US');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-notice').waitFor();
    expect(await page.getByTestId('settings-save').innerText()).toBe('Save');
  });
});

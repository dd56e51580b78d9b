import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { apiSignup, startStack, type Stack } from '../fixtures.ts';
import { AdminPage } from '../pages/admin-page.ts';
import { AuthPage } from '../pages/auth-page.ts';
import { ChatPage } from '../pages/chat-page.ts';

/** Settings > Account: name, password (the session survives the server voiding old tokens), API key. */
describe('account settings', () => {
  let stack: Stack;
  let page: Page;
  let firstToken: string;

  const status = (p: string, token: string) =>
    fetch(`${stack.baseUrl}${p}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
  const storedToken = () => page.evaluate(() => localStorage.getItem('token') ?? '');

  beforeAll(async () => {
    stack = await startStack();
    await apiSignup(stack.baseUrl, 'Ada', 'ada@example.com', 'pass-word-1');
    page = await stack.newPage();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.baseUrl });
    await ChatPage.signIn(page, 'ada@example.com', 'pass-word-1');
    firstToken = await storedToken();
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function openAccount() {
    await page.goto('/settings');
    await page.getByTestId('settings-tab-account').click();
    await page.getByTestId('settings-name').waitFor();
  }

  it('changes the name', async () => {
    await openAccount();
    await page.getByTestId('settings-name').fill('Ada Lovelace');
    await page.getByTestId('settings-name-save').click();
    await page.getByTestId('settings-notice').waitFor();
    await expect.poll(() => page.getByTestId('user-name').innerText()).toBe('Ada Lovelace');
    await page.reload();
    await expect.poll(() => page.getByTestId('user-name').innerText()).toBe('Ada Lovelace');
  });

  it('changes the password and stays signed in; the new password signs in afterwards', async () => {
    await openAccount();
    await page.getByTestId('settings-current-password').fill('pass-word-1');
    await page.getByTestId('settings-new-password').fill('new-pass-word-2');
    await page.getByTestId('settings-password-save').click();
    await page.locator('[data-testid="settings-notice"].notice-ok').waitFor();

    // The server voided the old token; the page now holds a fresh one that works.
    await expect.poll(storedToken).not.toBe(firstToken);
    expect(await status('/api/v1/auths/', firstToken)).toBe(401);
    expect(await status('/api/v1/auths/', await storedToken())).toBe(200);
    await page.reload();
    await page.getByTestId('settings-tab-account').waitFor();
    expect(new URL(page.url()).pathname).toBe('/settings');

    await new ChatPage(page).signout();
    const auth = new AuthPage(page);
    await auth.signin('ada@example.com', 'pass-word-1');
    await auth.error().waitFor();
    await auth.signin('ada@example.com', 'new-pass-word-2');
    await new ChatPage(page).waitReady();
  });

  it('creates, copies and revokes an API key once the admin enables them', async () => {
    const admin = new AdminPage(page);
    await admin.openGeneral();
    const box = page.getByTestId('enable-api-keys');
    if (!(await box.isChecked())) await box.click();
    await page.getByTestId('admin-auth-save').click();
    await page.getByTestId('admin-auth-saved').waitFor();

    await openAccount();
    await page.getByTestId('api-key-create').click();
    const value = page.getByTestId('api-key-value');
    await value.waitFor();
    const key = (await value.innerText()).trim();
    expect(key).toMatch(/^sk-/);
    expect(await status('/api/v1/auths/', key)).toBe(200);

    await page.getByTestId('api-key-copy').click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(key);

    await page.getByTestId('api-key-revoke').click();
    await value.waitFor({ state: 'detached' });
    expect(await status('/api/v1/auths/', key)).toBe(401);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, screenshot, type Stack } from '../fixtures.ts';
import { AuthPage } from '../pages/auth-page.ts';
import { ChatPage } from '../pages/chat-page.ts';
import { AdminPage } from '../pages/admin-page.ts';

const ADMIN = { name: 'Ada Admin', email: 'admin@example.com', password: 'admin-pass-1' };
const USER = { name: 'Pat Pending', email: 'pat@example.com', password: 'user-pass-1' };

describe('accounts in the browser', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('first visit offers admin creation, and the first account becomes admin', async () => {
    const page = await stack.newPage();
    const auth = new AuthPage(page);
    await page.goto('/');
    await page.waitForURL(/\/auth/);
    expect(await auth.mode()).toBe('onboarding');
    await screenshot(page, 'onboarding');
    await auth.fill(ADMIN.email, ADMIN.password, ADMIN.name);
    await page.getByTestId('auth-submit').click();
    const chat = new ChatPage(page);
    await chat.waitReady();
    await page.getByTestId('open-admin').waitFor();
    expect(await page.getByTestId('user-name').innerText()).toBe(ADMIN.name);
    await screenshot(page, 'chat-empty');
  });

  it('sign-up is hidden once the admin exists, and shown again after the admin enables it', async () => {
    const visitor = await stack.newPage();
    const auth = new AuthPage(visitor);
    await auth.goto();
    expect(await auth.mode()).toBe('signin');
    expect(await auth.signupToggle().count()).toBe(0);
    await screenshot(visitor, 'signin');

    const adminPage = await stack.newPage();
    await ChatPage.signIn(adminPage, ADMIN.email, ADMIN.password);
    const admin = new AdminPage(adminPage);
    await admin.openGeneral();
    await admin.setSignup(true);
    await screenshot(adminPage, 'admin-general');

    await visitor.reload();
    await auth.signupToggle().waitFor();
    await auth.signupToggle().click();
    expect(await auth.mode()).toBe('signup');
  });

  it('a new user waits on the pending overlay until the admin approves them', async () => {
    const page = await stack.newPage();
    const auth = new AuthPage(page);
    await auth.goto();
    await auth.signup(USER.name, USER.email, USER.password);
    await page.getByTestId('pending-overlay').waitFor();
    expect(await page.getByTestId('pending-title').innerText()).toMatch(/Pending/i);
    await screenshot(page, 'pending-overlay');

    const adminPage = await stack.newPage();
    await ChatPage.signIn(adminPage, ADMIN.email, ADMIN.password);
    const admin = new AdminPage(adminPage);
    await admin.openUsers();
    await admin.userRow(USER.email).waitFor();
    await screenshot(adminPage, 'admin-users');
    await admin.approve(USER.email);
    await expect.poll(() => admin.userRow(USER.email).getAttribute('data-role')).toBe('user');

    await page.getByTestId('pending-check').click();
    await new ChatPage(page).waitReady();
    expect(await page.getByTestId('pending-overlay').count()).toBe(0);
    expect(await page.getByTestId('open-admin').count()).toBe(0);
  });

  it('a wrong password shows the server message, and sign-out returns to the sign-in page', async () => {
    const page = await stack.newPage();
    const auth = new AuthPage(page);
    await auth.goto();
    await auth.signin(ADMIN.email, 'wrong-password');
    expect(await auth.error().innerText()).toMatch(/incorrect/i);
    await auth.signin(ADMIN.email, ADMIN.password);
    const chat = new ChatPage(page);
    await chat.waitReady();
    await chat.signout();
    expect(await page.evaluate(() => localStorage.getItem('token'))).toBeNull();
    await page.goto('/');
    await page.waitForURL(/\/auth/);
  });
});

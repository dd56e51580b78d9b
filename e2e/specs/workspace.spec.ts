/**
 * Issue 13 through the UI: the admin shares fake-llama with everyone and fake-qwen with "research",
 * creates a "Support bot" preset and a /prompt; a user outside the group sees fake-llama and Support bot
 * only, chats with Support bot (its system prompt reaches the model) and inserts the prompt with `/`;
 * a member of "research" also sees fake-qwen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { apiCall, apiSignup, chatRequests, screenshot, startStack, type Stack } from '../fixtures.ts';
import { AuthPage } from '../pages/auth-page.ts';
import { ChatPage } from '../pages/chat-page.ts';
import { WorkspacePage } from '../pages/workspace-page.ts';

const PASSWORD = 'pass-word-1';

describe('workspace: models, groups, presets, prompts', () => {
  let stack: Stack;

  async function signIn(email: string): Promise<Page> {
    const page = await stack.newPage();
    await ChatPage.signIn(page, email, PASSWORD);
    return page;
  }
  const options = (page: Page) => new ChatPage(page).modelOptionNames();

  beforeAll(async () => {
    stack = await startStack({ ollama: { models: ['fake-llama:latest', 'fake-qwen:latest'], reply: 'Happy to help.' }});
    const { token } = await apiSignup(stack.baseUrl, 'Ada', 'ada@example.com', PASSWORD);
    for (const [name, email] of [['Olive', 'olive@example.com'], ['Mia', 'mia@example.com']]) {
      await apiCall(stack.baseUrl, token, 'POST', '/api/v1/auths/add', { name, email, password: PASSWORD, role: 'user' });
    }
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('the admin shares models, creates a group, a preset and a prompt', async () => {
    const page = await signIn('ada@example.com');
    const ws = new WorkspacePage(page);
    await ws.createGroup('research', ['mia@example.com']);

    await page.goto('/admin/settings/models');
    await ws.adminModelRow('fake-llama:latest').waitFor();
    await ws.adminModelRow('fake-llama:latest').getByTestId('admin-model-name').fill('fake-llama');
    await ws.setModelAccess('fake-llama:latest', 'public');
    await ws.setModelAccess('fake-qwen:latest', 'groups', ['research']);
    await ws.saveAdminModels();

    await ws.createPreset({ name: 'Support bot', base: 'fake-llama:latest', description: 'Answers support questions', system: 'You are the support bot of ACME.', temperature: '0.2', suggestion: 'How do I reset my password?' });
    await ws.createPrompt('/greet', 'Greeting', 'Hello, my name is {{USER_NAME}}.');
    await screenshot(page, 'workspace-models');
  });

  it('a user outside the group sees fake-llama and Support bot only and chats with the preset', async () => {
    const page = await signIn('olive@example.com');
    const chat = new ChatPage(page);
    await expect.poll(() => options(page)).toEqual(expect.arrayContaining(['fake-llama', 'Support bot']));
    expect((await options(page)).sort()).toEqual(['Support bot', 'fake-llama']);

    await chat.selectModel('support-bot');
    await page.getByTestId('model-description').waitFor();
    expect(await page.getByTestId('model-description').innerText()).toBe('Answers support questions');
    expect(await page.getByTestId('suggestion').innerText()).toBe('How do I reset my password?');

    // `/` lists the prompts; Enter inserts the chosen one with the variables filled in.
    await page.getByTestId('chat-input').fill('/gr');
    await page.getByTestId('prompt-menu').waitFor();
    await page.getByTestId('chat-input').press('Enter');
    expect(await page.getByTestId('chat-input').inputValue()).toBe('Hello, my name is Olive.');
    await page.getByTestId('chat-input').press('Enter');
    await chat.waitReplyDone();
    expect(await chat.lastReplyText()).toContain('Happy to help.');

    const sent = chatRequests(stack).at(-1)!;
    expect(sent.model).toBe('fake-llama:latest');
    expect(sent.messages[0]).toMatchObject({ role: 'system', content: expect.stringContaining('You are the support bot of ACME.') });
    expect(sent.options?.temperature).toBe(0.2);
    await screenshot(page, 'workspace-outsider-chat');
  });

  it('default permissions edited in Admin > Groups apply to users; the workspace speaks zh-CN', async () => {
    const admin = await signIn('ada@example.com');
    await admin.goto('/admin/groups');
    await admin.getByTestId('group-defaults').click();
    await admin.getByTestId('perm-workspace-prompts').check();
    await admin.getByTestId('defaults-save').click();
    await admin.getByTestId('defaults-editor').locator('.notice-ok').waitFor();

    const page = await stack.newPage({ locale: 'zh-CN' });
    await new AuthPage(page).goto();
    await new AuthPage(page).signin('olive@example.com', PASSWORD);
    await page.getByTestId('open-workspace').click();
    await page.getByTestId('workspace-tabs').waitFor();
    expect(await page.locator('h1').innerText()).toBe('工作空间');
    await page.getByTestId('workspace-tab-prompts').click();
    await page.getByTestId('prompt-new').waitFor();
    // Olive may create prompts now, but not models.
    await page.getByTestId('workspace-tab-models').click();
    await page.getByTestId('models-empty').waitFor();
    expect(await page.getByTestId('model-new').count()).toBe(0);
  });

  it('a member of research also sees fake-qwen', async () => {
    const page = await signIn('mia@example.com');
    await expect.poll(async () => (await options(page)).sort()).toEqual(['Support bot', 'fake-llama', 'fake-qwen:latest']);
  });
});

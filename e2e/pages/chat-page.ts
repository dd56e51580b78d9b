import type { Page } from 'playwright-core';
import { AuthPage } from './auth-page.ts';

export class ChatPage {
  constructor(readonly page: Page) {}

  /** Signs in through the form on `page` (a new page, or one on /auth) and waits for the chat screen. */
  static async signIn(page: Page, email: string, password: string): Promise<ChatPage> {
    const auth = new AuthPage(page);
    await auth.goto();
    await auth.signin(email, password);
    const chat = new ChatPage(page);
    await chat.waitReady();
    return chat;
  }

  async waitReady(): Promise<void> {
    await this.page.getByTestId('chat-input').waitFor();
  }

  /** Picks a model in the header's model menu (slot 0 unless `slot` names another one). */
  async selectModel(id: string, slot = 0): Promise<void> {
    const buttons = this.page.locator('[data-testid="model-select"], [data-testid="model-select-extra"]');
    await buttons.nth(slot).click();
    await this.page.getByTestId('model-menu').locator(`[data-testid="model-option"][data-model-id="${id}"]`).click();
  }

  /** Ids of the chat's models, in order (the picker's buttons carry them). */
  async models(): Promise<string[]> {
    const buttons = this.page.locator('[data-testid="model-select"], [data-testid="model-select-extra"]');
    const out: string[] = [];
    for (let i = 0; i < (await buttons.count()); i++) out.push((await buttons.nth(i).getAttribute('data-value')) ?? '');
    return out.filter(Boolean);
  }

  /** Names of the models the menu offers (opens the first model menu, reads it, closes it again). */
  async modelOptionNames(): Promise<string[]> {
    const menu = this.page.getByTestId('model-menu');
    if (!(await menu.isVisible())) await this.page.getByTestId('model-select').click();
    await menu.waitFor();
    const names = await menu.locator('[data-testid="model-option"] .truncate').allInnerTexts();
    await this.page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    return names;
  }

  async modelValue(): Promise<string> {
    return (await this.page.getByTestId('model-select').getAttribute('data-value')) ?? '';
  }

  async send(text: string): Promise<void> {
    await this.page.getByTestId('chat-input').fill(text);
    await this.page.getByTestId('chat-input').press('Enter');
  }

  assistant(index = -1) {
    const all = this.page.getByTestId('message-assistant');
    return index < 0 ? all.last() : all.nth(index);
  }

  lastReplyText(): Promise<string> {
    return this.assistant().getByTestId('message-content').innerText();
  }

  async waitReplyDone(): Promise<void> {
    await this.page.locator('[data-testid="message-assistant"][data-done="true"]').last().waitFor();
    await this.page.getByTestId('send').waitFor();
  }

  stopButton() {
    return this.page.getByTestId('stop');
  }

  chatLinks() {
    return this.page.getByTestId('chat-link');
  }

  async newChat(): Promise<void> {
    await this.page.getByTestId('new-chat').click();
    // The input is remounted when the route changes: wait for the empty chat before typing.
    await this.page.waitForURL((u) => u.pathname === '/');
    await this.page.getByTestId('chat-empty').waitFor();
  }

  async signout(): Promise<void> {
    await this.page.getByTestId('signout').click();
    await this.page.getByTestId('auth-form').waitFor();
  }
}

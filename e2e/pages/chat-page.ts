import type { Page } from 'playwright-core';

export class ChatPage {
  constructor(readonly page: Page) {}

  async waitReady(): Promise<void> {
    await this.page.getByTestId('chat-input').waitFor();
  }

  async selectModel(id: string): Promise<void> {
    await this.page.getByTestId('model-select').selectOption(id);
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

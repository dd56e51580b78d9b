import type { Page } from 'playwright-core';

export class AdminPage {
  constructor(readonly page: Page) {}

  async openUsers(): Promise<void> {
    await this.page.goto('/admin/users');
    await this.page.getByTestId('users-table').waitFor();
  }

  userRow(email: string) {
    return this.page.locator(`[data-testid="user-row"][data-email="${email}"]`);
  }

  async approve(email: string): Promise<void> {
    await this.userRow(email).getByTestId('user-approve').click();
    await this.userRow(email).locator('[data-testid="user-role"]').filter({ hasText: 'user' }).waitFor().catch(() => {});
  }

  async openGeneral(): Promise<void> {
    await this.page.goto('/admin/settings/general');
    await this.page.getByTestId('admin-auth-form').waitFor();
  }

  async setSignup(enabled: boolean): Promise<void> {
    const box = this.page.getByTestId('enable-signup');
    if ((await box.isChecked()) !== enabled) await box.click();
    await this.page.getByTestId('admin-auth-save').click();
    await this.page.getByTestId('admin-auth-saved').waitFor();
  }

  async openConnections(): Promise<void> {
    await this.page.goto('/admin/settings/connections');
    const ok = this.page.getByTestId('ollama-connections');
    const err = this.page.getByTestId('connections-error');
    await ok.or(err).first().waitFor();
    if (await err.isVisible()) throw new Error(`connections page: ${await err.innerText()}`);
  }

  ollamaUrl(i = 0) {
    return this.page.getByTestId('ollama-url').nth(i);
  }

  async verifyOllama(i = 0): Promise<string> {
    await this.page.getByTestId('ollama-verify').nth(i).click();
    const result = this.page.getByTestId('verify-result').nth(i);
    await result.waitFor();
    return result.innerText();
  }
}

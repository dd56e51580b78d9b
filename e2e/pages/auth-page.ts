import type { Page } from 'playwright-core';

export class AuthPage {
  constructor(readonly page: Page) {}

  async goto(): Promise<void> {
    await this.page.goto('/auth');
    await this.page.getByTestId('auth-form').waitFor();
  }

  mode(): Promise<string | null> {
    return this.page.getByTestId('auth-form').getAttribute('data-mode');
  }

  signupToggle() {
    return this.page.getByTestId('show-signup');
  }

  async fill(email: string, password: string, name?: string): Promise<void> {
    if (name !== undefined) await this.page.getByTestId('auth-name').fill(name);
    await this.page.getByTestId('auth-email').fill(email);
    await this.page.getByTestId('auth-password').fill(password);
  }

  async signin(email: string, password: string): Promise<void> {
    await this.fill(email, password);
    await this.page.getByTestId('auth-submit').click();
  }

  async signup(name: string, email: string, password: string): Promise<void> {
    if ((await this.mode()) === 'signin') await this.signupToggle().click();
    await this.fill(email, password, name);
    await this.page.getByTestId('auth-submit').click();
  }

  error() {
    return this.page.getByTestId('auth-error');
  }
}

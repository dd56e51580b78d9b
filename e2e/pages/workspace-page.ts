import type { Page } from 'playwright-core';

/** Workspace > Models / Prompts, Admin > Groups and Admin > Settings > Models. */
export class WorkspacePage {
  constructor(readonly page: Page) {}

  async createGroup(name: string, memberEmails: string[]): Promise<void> {
    await this.page.goto('/admin/groups');
    await this.page.getByTestId('group-new-name').fill(name);
    await this.page.getByTestId('group-create').click();
    await this.page.getByTestId('group-editor').waitFor();
    for (const email of memberEmails) await this.page.getByTestId(`group-member-${email}`).check();
    await this.page.getByTestId('group-save').click();
    await this.page.getByTestId('group-editor').locator('.notice-ok').waitFor();
  }

  adminModelRow(id: string) {
    return this.page.locator(`[data-testid="admin-model"][data-model-id="${id}"]`);
  }

  /** Admin > Settings > Models: set one model's access ('public' or 'groups' with group names). */
  async setModelAccess(id: string, mode: 'public' | 'groups', groups: string[] = []): Promise<void> {
    const row = this.adminModelRow(id);
    await row.getByTestId('admin-model-access').click();
    await row.getByTestId('access-mode').selectOption(mode);
    for (const g of groups) await row.getByTestId(`access-group-${g}`).check();
  }

  async saveAdminModels(): Promise<void> {
    await this.page.getByTestId('admin-models-save').click();
    await this.page.getByTestId('admin-models-saved').waitFor();
  }

  async createPreset(opts: { name: string; base: string; system: string; description: string; temperature?: string; suggestion?: string }): Promise<void> {
    await this.page.goto('/workspace/models');
    await this.page.getByTestId('model-new').click();
    await this.page.getByTestId('model-name').fill(opts.name);
    await this.page.getByTestId('model-base').selectOption(opts.base);
    await this.page.getByTestId('model-description').fill(opts.description);
    await this.page.getByTestId('model-system').fill(opts.system);
    if (opts.temperature) await this.page.getByTestId('param-temperature').fill(opts.temperature);
    if (opts.suggestion) await this.page.getByTestId('model-suggestions').fill(opts.suggestion);
    await this.page.getByTestId('access-mode').selectOption('public');
    await this.page.getByTestId('model-save').click();
    await this.page.getByTestId('workspace-model').filter({ hasText: opts.name }).waitFor();
  }

  async createPrompt(command: string, title: string, content: string): Promise<void> {
    await this.page.goto('/workspace/prompts');
    await this.page.getByTestId('prompt-new').click();
    await this.page.getByTestId('prompt-title').fill(title);
    await this.page.getByTestId('prompt-command').fill(command);
    await this.page.getByTestId('prompt-content').fill(content);
    await this.page.getByTestId('access-mode').selectOption('public');
    await this.page.getByTestId('prompt-save').click();
    await this.page.getByTestId('workspace-prompt').filter({ hasText: title }).waitFor();
  }
}

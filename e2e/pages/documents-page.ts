import type { Page } from 'playwright-core';

/** The documents parts of the UI: composer attachments, citations, Workspace > Knowledge, Admin > Documents. */
export class DocumentsPage {
  constructor(readonly page: Page) {}

  async attach(name: string, mimeType: string, buffer: Buffer): Promise<void> {
    await this.page.getByTestId('file-input').setInputFiles({ name, mimeType, buffer });
  }

  attachment(name: string) {
    return this.page.getByTestId('attachment').filter({ hasText: name });
  }

  async waitAttachmentReady(name: string): Promise<void> {
    await this.page.locator('[data-testid="attachment"][data-status="ready"]', { hasText: name }).waitFor({ timeout: 20_000 });
  }

  citations() {
    return this.page.getByTestId('message-assistant').last().getByTestId('citation');
  }

  async openKnowledge(): Promise<void> {
    await this.page.goto('/workspace/knowledge');
    await this.page.getByTestId('knowledge-new').waitFor();
  }

  async createKnowledge(name: string, description: string): Promise<void> {
    await this.page.getByTestId('knowledge-new').click();
    await this.page.getByTestId('knowledge-name').fill(name);
    await this.page.getByTestId('knowledge-description').fill(description);
    await this.page.getByTestId('knowledge-create').click();
    await this.page.getByTestId('knowledge-upload').waitFor();
  }

  async uploadToKnowledge(files: { name: string; mimeType: string; buffer: Buffer }[]): Promise<void> {
    await this.page.getByTestId('knowledge-file-input').setInputFiles(files);
  }
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDocx, makePdf } from '../../server/test/helpers/documents.ts';
import { apiSignup, chatRequests, screenshot, startStack, type Stack } from '../fixtures.ts';
import { ChatPage } from '../pages/chat-page.ts';
import { DocumentsPage } from '../pages/documents-page.ts';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

describe('documents: attach, ask, cite; knowledge bases; admin settings', () => {
  let stack: Stack;
  let chat: ChatPage;
  let docs: DocumentsPage;

  // The chat's own last request (not the background title/tags tasks that follow a reply).
  const lastPrompt = () => String(chatRequests(stack).at(-1)?.messages.at(-1)?.content ?? '');

  beforeAll(async () => {
    stack = await startStack({ ollama: { models: ['llama3:latest'], reply: 'The keeper is Ingrid Solberg [1].' } });
    await apiSignup(stack.baseUrl, 'Ada', 'ada@example.com', 'pass-word-1');
    const page = await stack.newPage();
    chat = await ChatPage.signIn(page, 'ada@example.com', 'pass-word-1');
    docs = new DocumentsPage(page);
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('attaches a PDF, shows progress to ready, and the answer cites the file with its passage', async () => {
    const pdf = makePdf([['Harbour town notes.'], ['The lighthouse keeper is called Ingrid Solberg.']]);
    await docs.attach('harbour.pdf', 'application/pdf', pdf);
    await docs.attachment('harbour.pdf').waitFor();
    await docs.waitAttachmentReady('harbour.pdf');
    await chat.send('Who is the lighthouse keeper?');
    await chat.waitReplyDone();
    expect(lastPrompt()).toContain('Ingrid Solberg');
    expect(await chat.page.getByTestId('message-file').first().innerText()).toContain('harbour.pdf');
    await docs.citations().first().waitFor();
    expect(await docs.citations().first().innerText()).toContain('harbour.pdf');
    await docs.citations().first().click();
    expect(await chat.page.getByTestId('citation-passage').first().innerText()).toContain('Ingrid Solberg');
    await screenshot(chat.page, 'documents-citation');
    // After a reload the stored reply still carries its citation.
    await chat.page.reload();
    await chat.waitReady();
    await docs.citations().first().waitFor();
  });

  it('builds a knowledge base from uploads and chats with it through #', async () => {
    await docs.openKnowledge();
    await docs.createKnowledge('Handbook', 'Company rules');
    const docx = await makeDocx(['Holiday policy.', 'Every employee gets 31 days of paid leave.']);
    await docs.uploadToKnowledge([
      { name: 'policy.docx', mimeType: DOCX, buffer: docx },
      { name: 'parking.txt', mimeType: 'text/plain', buffer: Buffer.from('Parking is on level minus two.') },
    ]);
    await expect.poll(() => chat.page.getByTestId('knowledge-file').count(), { timeout: 20_000 }).toBe(2);
    await screenshot(chat.page, 'documents-knowledge');

    await chat.page.goto('/');
    await chat.waitReady();
    await chat.page.getByTestId('chat-input').fill('#Hand');
    await chat.page.getByTestId('knowledge-option').first().click();
    await chat.page.locator('[data-testid="attachment"]', { hasText: 'Handbook' }).waitFor();
    await chat.send('How many days of paid leave?');
    await chat.waitReplyDone();
    expect(lastPrompt()).toContain('31 days of paid leave');
    await docs.citations().first().waitFor();
  });

  it('Admin > Settings > Documents reads and saves the retrieval settings', async () => {
    await chat.page.goto('/admin/settings/documents');
    await chat.page.getByTestId('documents-form').waitFor();
    await chat.page.getByTestId('documents-chunk-size').fill('800');
    await chat.page.getByTestId('documents-save').click();
    await chat.page.getByTestId('documents-saved').waitFor();
    await chat.page.reload();
    await chat.page.getByTestId('documents-form').waitFor();
    expect(await chat.page.getByTestId('documents-chunk-size').inputValue()).toBe('800');
  });
});

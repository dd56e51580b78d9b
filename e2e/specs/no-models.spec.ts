import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSignup, screenshot, startStack, type Stack } from '../fixtures.ts';
import { ChatPage } from '../pages/chat-page.ts';

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/** A fresh install with no Ollama running: the empty chat says why, instead of a silent empty model list. */
describe('no model available (no Ollama running)', () => {
  let stack: Stack;
  let port: number;
  beforeAll(async () => {
    port = await closedPort();
    stack = await startStack({ env: { OLLAMA_BASE_URL: `http://127.0.0.1:${port}`, DEFAULT_USER_ROLE: 'user' } });
    const { token } = await apiSignup(stack.baseUrl, 'Ada', 'ada@example.com', 'pass-word-1');
    // Sign-up closes after the first account; re-open it for the second (a plain user).
    const auth = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const cfg = (await (await fetch(`${stack.baseUrl}/api/v1/auths/admin/config`, { headers: auth })).json()) as Record<string, unknown>;
    await fetch(`${stack.baseUrl}/api/v1/auths/admin/config`, { method: 'POST', headers: auth, body: JSON.stringify({ ...cfg, ENABLE_SIGNUP: true }) });
    await apiSignup(stack.baseUrl, 'Bob', 'bob@example.com', 'pass-word-2');
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function signedIn(email: string, password: string) {
    const page = await stack.newPage();
    await ChatPage.signIn(page, email, password);
    return page;
  }

  it('shows the admin which connection failed and what to try', async () => {
    const page = await signedIn('ada@example.com', 'pass-word-1');
    const notice = page.getByTestId('no-models-notice');
    await notice.waitFor();
    const text = await notice.innerText();
    expect(text).toContain('No model is available');
    expect(text).toContain(`http://127.0.0.1:${port}: Nothing listens on 127.0.0.1:${port} — is Ollama running?`);
    expect(text).toContain('ollama serve');
    expect(await notice.getByRole('link').getAttribute('href')).toBe('/admin/settings/connections');
    await screenshot(page, 'no-models-admin');

    await page.close();
  });

  it('tells a user to ask the administrator, without connection details', async () => {
    const page = await signedIn('bob@example.com', 'pass-word-2');
    const notice = page.getByTestId('no-models-notice');
    await notice.waitFor();
    const text = await notice.innerText();
    expect(text).toContain('Ask your administrator to check the model connections.');
    expect(text).not.toContain('127.0.0.1');
    await screenshot(page, 'no-models-user');
    await page.close();
  });

  it('"Check again" picks up a model once Ollama answers, and the notice goes', async () => {
    const page = await signedIn('ada@example.com', 'pass-word-1');
    await page.getByTestId('no-models-notice').waitFor();
    const token = await page.evaluate(() => localStorage.getItem('token'));
    const res = await fetch(`${stack.baseUrl}/ollama/config/update`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ ENABLE_OLLAMA_API: true, OLLAMA_BASE_URLS: [stack.ollama.url], OLLAMA_API_CONFIGS: {} }),
    });
    expect(res.status).toBe(200);
    await page.getByTestId('no-models-retry').click();
    await page.getByTestId('no-models-notice').waitFor({ state: 'detached' });
    expect(await new ChatPage(page).modelOptionNames()).toContain('llama3:latest');
    await page.close();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSignup, screenshot, startStack, type Stack } from '../fixtures.ts';
import { AdminPage } from '../pages/admin-page.ts';
import { ChatPage } from '../pages/chat-page.ts';

describe('admin settings and user settings', () => {
  let stack: Stack;
  let admin: AdminPage;
  beforeAll(async () => {
    stack = await startStack();
    await apiSignup(stack.baseUrl, 'Ada', 'ada@example.com', 'pass-word-1');
    const page = await stack.newPage();
    await ChatPage.signIn(page, 'ada@example.com', 'pass-word-1');
    admin = new AdminPage(page);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('verifying a connection shows success for the real server and the exact error for a wrong URL', async () => {
    await admin.openConnections();
    expect(await admin.ollamaUrl(0).inputValue()).toBe(stack.ollama.url);
    expect(await admin.verifyOllama(0)).toMatch(/verified/i);

    await admin.ollamaUrl(0).fill('http://127.0.0.1:9');
    const text = await admin.verifyOllama(0);
    expect(await admin.page.getByTestId('verify-result').first().getAttribute('data-ok')).toBe('false');
    const direct = await fetch(`${stack.baseUrl}/ollama/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await admin.page.evaluate(() => localStorage.getItem('token'))}` },
      body: JSON.stringify({ url: 'http://127.0.0.1:9' }),
    }).then((r) => r.json() as Promise<{ detail: string }>);
    expect(text).toBe(direct.detail);

    // Below the exact error: the doctor's diagnosis of the same URL, as POST /api/v1/doctor/probe reports it.
    const page = admin.page;
    const token = await page.evaluate(() => localStorage.getItem('token'));
    const probe = (url: string) =>
      fetch(`${stack.baseUrl}/api/v1/doctor/probe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ kind: 'ollama', url }),
      }).then((r) => r.json() as Promise<{ ok: boolean; model_count: number | null; findings: { code: string; fix: string }[] }>);
    const refused = await probe('http://127.0.0.1:9');
    const finding = page.getByTestId('diagnosis-finding').first();
    await finding.waitFor();
    const code = await finding.getAttribute('data-code');
    // In a container a closed loopback port is diagnosed as "loopback is the container itself" instead.
    expect(['CONNECTION_REFUSED', 'LOOPBACK_IN_CONTAINER']).toContain(code);
    // (Inside a container the loopback case may follow as a note; the first finding is what the UI leads with.)
    expect(refused.findings[0]!.code).toBe(code);
    expect(await finding.getByTestId('diagnosis-title').innerText()).toBe(
      code === 'CONNECTION_REFUSED' ? 'Connection refused' : 'Loopback address inside a container',
    );
    expect(await finding.getByTestId('diagnosis-fix').innerText()).toBe(`Fix: ${refused.findings[0]!.fix}`);
    if (code === 'CONNECTION_REFUSED') expect(refused.findings[0]!.fix).toContain('listening on port 9');
    expect(await page.locator('[data-testid="diagnosis-step"][data-step="tcp"]').getAttribute('data-ok')).toBe('false');
    expect(await page.getByTestId('verify-result').first().innerText()).toBe(direct.detail);
    await screenshot(page, 'admin-connections-error');

    // Diagnose on demand for a working URL: every check passes and the summary shows the model count.
    await admin.ollamaUrl(0).fill(stack.ollama.url);
    await page.getByTestId('ollama-diagnose').first().click();
    await page.getByTestId('diagnosis-summary').waitFor();
    const steps = page.getByTestId('diagnosis-step');
    // The fake upstream is an IP literal, so there is no DNS step (a host name would add one).
    expect(await steps.evaluateAll((els) => els.map((e) => `${e.dataset.step}:${e.dataset.ok}`))).toEqual([
      ...(new URL(stack.ollama.url).hostname.match(/^[\d.]+$/) ? [] : ['dns:true']),
      'tcp:true',
      'http:true',
      'models:true',
    ]);
    expect(await page.getByTestId('verify-result').count()).toBe(0); // the old URL's error went with the edit
    const healthy = await probe(stack.ollama.url);
    expect(healthy.ok).toBe(true);
    expect(await page.getByTestId('diagnosis-summary').innerText()).toContain(`Models: ${healthy.model_count}`);
    await screenshot(page, 'admin-connections-diagnose');
  });

  it('in zh-CN the diagnosis title and fix are translated; the exact error stays as the server sent it', async () => {
    const page = admin.page;
    await page.evaluate(() => localStorage.setItem('locale', 'zh-CN'));
    try {
      await admin.openConnections();
      await admin.ollamaUrl(0).fill('http://127.0.0.1:9');
      expect(await admin.verifyOllama(0)).toBe('Open WebUI: Server Connection Error');
      const finding = page.getByTestId('diagnosis-finding').first();
      await finding.waitFor();
      const zh: Record<string, [string, string]> = {
        CONNECTION_REFUSED: ['连接被拒绝', '确认服务已启动并在该端口监听'],
        LOOPBACK_IN_CONTAINER: ['容器内使用了回环地址', '改用 http://host.docker.internal:<端口>'],
      };
      const [title, fix] = zh[(await finding.getAttribute('data-code'))!]!;
      expect(await finding.getByTestId('diagnosis-title').innerText()).toBe(title);
      expect(await finding.getByTestId('diagnosis-fix').innerText()).toContain(`解决方法: ${fix}`);
      await screenshot(page, 'admin-connections-diagnosis-zh');
    } finally {
      await page.evaluate(() => localStorage.setItem('locale', 'en-US'));
    }
  });

  it('pulling a model shows a progress bar that reaches 100%', async () => {
    await admin.openConnections();
    await admin.page.getByTestId('pull-name').fill('mistral');
    await admin.page.getByTestId('pull-submit').click();
    await admin.page.getByTestId('pull-done').waitFor();
    expect(await admin.page.getByTestId('pull-status').innerText()).toContain('100%');
    expect(stack.ollama.requests.some((r) => r.path === '/api/pull')).toBe(true);
  });

  it('user settings: dark theme, default model and system prompt persist across a reload', async () => {
    const page = admin.page;
    await page.goto('/settings');
    await page.getByTestId('settings-theme').selectOption('dark');
    await page.getByTestId('settings-system').fill('You are terse.');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings-notice').waitFor();
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(true);
    await page.reload();
    await page.getByTestId('settings-system').waitFor();
    expect(await page.getByTestId('settings-system').inputValue()).toBe('You are terse.');
    expect(await page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(true);
    await screenshot(page, 'settings-dark');
    await page.getByTestId('settings-theme').selectOption('light');
    await page.getByTestId('settings-save').click();
  });

  it('works at phone width: the sidebar folds away and opens on demand', async () => {
    const phone = await stack.newPage({ viewport: { width: 390, height: 844 } });
    const chat = await ChatPage.signIn(phone, 'ada@example.com', 'pass-word-1');
    expect(await phone.getByTestId('sidebar').count()).toBe(0);
    await phone.getByTestId('sidebar-open').click();
    await phone.getByTestId('sidebar').waitFor();
    await screenshot(phone, 'phone-sidebar');
    const inputBox = await phone.getByTestId('chat-input').boundingBox();
    expect(inputBox!.width).toBeLessThanOrEqual(390);
  });
});

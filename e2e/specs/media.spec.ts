import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMedia, type FakeMedia } from '../../server/test/fakes/fake-media.ts';
import { apiCall, apiSignup, screenshot, startStack, type Stack } from '../fixtures.ts';
import { ChatPage } from '../pages/chat-page.ts';

/**
 * Voice and images in the browser: dictation from Chromium's fake microphone, read-aloud of the reply,
 * and an image generated from the chat that is still there after a reload. The engines are the scripted
 * fakes; the browser records real audio from the fake device.
 */
describe('media: dictate, read aloud, generate an image', () => {
  let stack: Stack;
  let fake: FakeMedia;
  let chat: ChatPage;
  let token: string;

  beforeAll(async () => {
    fake = await startFakeMedia();
    stack = await startStack({
      ollama: { models: ['llama3:latest'], reply: 'Paris is the capital of France.' },
      env: {
        AUDIO_STT_ENGINE: 'openai',
        AUDIO_STT_OPENAI_API_BASE_URL: `${fake.url}/openai/v1`,
        AUDIO_STT_MODEL: 'whisper-1',
        AUDIO_TTS_ENGINE: 'openai',
        AUDIO_TTS_OPENAI_API_BASE_URL: `${fake.url}/openai/v1`,
        ENABLE_IMAGE_GENERATION: 'true',
        IMAGE_GENERATION_ENGINE: 'openai',
        IMAGES_OPENAI_API_BASE_URL: `${fake.url}/openai/v1`,
      },
      browserArgs: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
    });
    token = (await apiSignup(stack.baseUrl, 'Ada', 'ada@example.com', 'pass-word-1')).token;
    const page = await stack.newPage();
    await page.context().grantPermissions(['microphone']);
    chat = await ChatPage.signIn(page, 'ada@example.com', 'pass-word-1');
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
    await fake?.close();
  });

  it('dictates a question with the microphone, sends it and reads the reply aloud', async () => {
    const mic = chat.page.getByTestId('mic-button');
    await mic.click();
    await chat.page.locator('[data-testid="mic-button"][data-state="recording"]').waitFor();
    await chat.page.waitForTimeout(800);
    await mic.click();
    await chat.page.waitForFunction(() => (document.querySelector('[data-testid="chat-input"]') as HTMLTextAreaElement | null)?.value.includes('capital of France'));
    const upload = fake.requests.find((r) => r.path === '/openai/v1/audio/transcriptions')!;
    const file = upload.form!.find((p) => p.name === 'file')!;
    expect((file.value as Buffer).length).toBeGreaterThan(500); // a real recording from the fake device
    await chat.page.getByTestId('chat-input').press('Enter');
    await chat.waitReplyDone();
    expect(await chat.lastReplyText()).toContain('Paris');

    await chat.assistant().getByTestId('read-aloud').click();
    await expect.poll(() => fake.requests.some((r) => r.path === '/openai/v1/audio/speech')).toBe(true);
    const spoken = JSON.parse(fake.requests.find((r) => r.path === '/openai/v1/audio/speech')!.body.toString());
    expect(spoken).toMatchObject({ input: 'Paris is the capital of France.', voice: 'alloy', model: 'tts-1' });
    await screenshot(chat.page, 'media-dictation');
  });

  it('generates an image from the chat, shown with the reply and still there after a reload', async () => {
    await chat.newChat();
    await chat.page.getByTestId('image-toggle').click();
    await chat.send('a red fox in the snow');
    await chat.waitReplyDone();
    const img = chat.assistant().getByTestId('generated-image');
    await img.waitFor();
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(1);
    const gen = JSON.parse(fake.requests.find((r) => r.path === '/openai/v1/images/generations')!.body.toString());
    expect(gen.prompt).toBe('a red fox in the snow');
    await screenshot(chat.page, 'media-image');
    await chat.page.reload();
    await chat.waitReady();
    const again = chat.assistant().getByTestId('generated-image');
    await again.waitFor();
    await expect.poll(() => again.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(1);
  });

  it('Admin > Settings > Audio and Images save through the API', async () => {
    const page = chat.page;
    await page.goto('/admin/settings/audio');
    await page.getByTestId('audio-form').waitFor();
    expect(await page.getByTestId('audio-stt-engine').inputValue()).toBe('openai');
    await page.getByTestId('audio-tts-voice').fill('nova');
    await page.getByTestId('audio-save').click();
    await page.getByTestId('audio-saved').waitFor();
    const audio = await apiCall<{ tts: { VOICE: string } }>(stack.baseUrl, token, 'GET', '/api/v1/audio/config');
    expect(audio.tts.VOICE).toBe('nova');

    await page.getByTestId('admin-tab-images').click();
    await page.getByTestId('images-form').waitFor();
    expect(await page.getByTestId('images-engine').inputValue()).toBe('openai');
    await page.getByTestId('images-size').fill('768x768');
    await page.getByTestId('images-save').click();
    await page.getByTestId('images-note').waitFor();
    const image = await apiCall<{ IMAGE_SIZE: string }>(stack.baseUrl, token, 'GET', '/api/v1/images/image/config');
    expect(image.IMAGE_SIZE).toBe('768x768');
    // A wrong size is refused with the server's message.
    await page.getByTestId('images-size').fill('huge');
    await page.getByTestId('images-save').click();
    expect(await page.getByTestId('images-error').innerText()).toMatch(/512x512/);
    await screenshot(page, 'media-admin-images');
  });
});

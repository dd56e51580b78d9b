import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createUser } from '../factories/users.js';
import { PNG_1X1, startFakeMedia, type FakeMedia } from '../fakes/fake-media.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/fake-openai.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

type Json = Record<string, any>;

describe('images: generations through each engine, stored as files; config; chat', () => {
  let fake: FakeMedia;
  let llm: FakeOpenAI;
  let srv: TestServer;
  let admin: { token: string };
  let alice: { token: string; user: { id: string } };
  let bob: { token: string };
  let cfg: Json;

  const generate = (token: string, body: Json) => srv.request('POST', '/api/v1/images/generations', { token, body });
  const setConfig = async (patch: (c: Json) => void) => {
    const c = structuredClone(cfg);
    patch(c);
    const res = await srv.request('POST', '/api/v1/images/config/update', { token: admin.token, body: c });
    expect(res.status, await res.clone().text()).toBe(200);
    cfg = (await res.json()) as Json;
  };

  beforeAll(async () => {
    fake = await startFakeMedia();
    llm = await startFakeOpenAI({ models: ['gpt-4o'] });
    srv = await startTestServer({
      BYPASS_MODEL_ACCESS_CONTROL: 'true',
      OPENAI_API_BASE_URL: llm.url,
      ENABLE_IMAGE_GENERATION: 'true',
      IMAGE_GENERATION_ENGINE: 'openai',
      IMAGES_OPENAI_API_BASE_URL: `${fake.url}/openai/v1`,
      IMAGES_OPENAI_API_KEY: 'sk-img',
      IMAGE_GENERATION_TIMEOUT: '1',
      AIOHTTP_CLIENT_TIMEOUT_MODEL_LIST: '1',
    });
    admin = await createUser(srv.ctx, { role: 'admin' });
    alice = await createUser(srv.ctx);
    bob = await createUser(srv.ctx);
    cfg = (await (await srv.request('GET', '/api/v1/images/config', { token: admin.token })).json()) as Json;
  });
  afterAll(async () => {
    await srv.close();
    await fake.close();
    await llm.close();
  });
  beforeEach(() => {
    fake.requests.length = 0;
    fake.mode.clear();
  });

  it('config has the original shape and is admin-only', async () => {
    expect((await srv.request('GET', '/api/v1/images/config', { token: alice.token })).status).toBe(401);
    expect(cfg).toMatchObject({
      enabled: true,
      engine: 'openai',
      prompt_generation: true,
      openai: { OPENAI_API_BASE_URL: `${fake.url}/openai/v1`, OPENAI_API_VERSION: '', OPENAI_API_KEY: 'sk-img' },
      automatic1111: { AUTOMATIC1111_BASE_URL: '', AUTOMATIC1111_CFG_SCALE: null },
      comfyui: { COMFYUI_BASE_URL: '', COMFYUI_WORKFLOW_NODES: [] },
      gemini: { GEMINI_API_BASE_URL: '' },
    });
    const img = (await (await srv.request('GET', '/api/v1/images/image/config', { token: admin.token })).json()) as Json;
    expect(img).toEqual({ MODEL: '', IMAGE_SIZE: '512x512', IMAGE_STEPS: 50 });
    const auto = await srv.request('POST', '/api/v1/images/image/config/update', { token: admin.token, body: { MODEL: 'dall-e-2', IMAGE_SIZE: 'auto', IMAGE_STEPS: 50 } });
    expect(auto.status).toBe(400);
    const bad = await srv.request('POST', '/api/v1/images/image/config/update', { token: admin.token, body: { MODEL: 'dall-e-2', IMAGE_SIZE: 'big', IMAGE_STEPS: 50 } });
    expect(bad.status).toBe(400);
    expect((await srv.request('GET', '/api/v1/images/config/url/verify', { token: admin.token })).status).toBe(200);
    const models = (await (await srv.request('GET', '/api/v1/images/models', { token: alice.token })).json()) as Json[];
    expect(models.map((m) => m.id)).toEqual(['dall-e-2', 'dall-e-3', 'gpt-image-1']);
  });

  it('OpenAI: the image is stored as the user file and served at /api/v1/files/{id}/content to its owner only', async () => {
    const res = await generate(alice.token, { prompt: 'a lighthouse at dusk', n: 2 });
    expect(res.status, await res.clone().text()).toBe(200);
    const images = (await res.json()) as { url: string }[];
    expect(images).toHaveLength(2);
    expect(images[0]!.url).toMatch(/^\/api\/v1\/files\/[0-9a-f-]{36}\/content$/);
    const sent = fake.requests.find((r) => r.path === '/openai/v1/images/generations')!;
    expect(sent.headers.authorization).toBe('Bearer sk-img');
    expect(JSON.parse(sent.body.toString())).toEqual({ model: 'dall-e-2', prompt: 'a lighthouse at dusk', n: 2, size: '512x512', response_format: 'b64_json' });

    const content = await srv.request('GET', images[0]!.url, { token: alice.token });
    expect(content.status).toBe(200);
    expect(content.headers.get('content-type')).toBe('image/png');
    expect(Buffer.compare(Buffer.from(await content.arrayBuffer()), PNG_1X1)).toBe(0);
    expect((await srv.request('GET', images[0]!.url, { token: bob.token })).status).toBe(404);
    const id = images[0]!.url.split('/')[4]!;
    const row = (await (await srv.request('GET', `/api/v1/files/${id}`, { token: alice.token })).json()) as Json;
    expect(row).toMatchObject({ user_id: alice.user.id, filename: 'generated-image.png', meta: { content_type: 'image/png', data: { prompt: 'a lighthouse at dusk' } } });
  });

  it('OpenAI image links: fetched with the key on the engine origin; elsewhere without it and not into private addresses', async () => {
    fake.imageUrl = '{origin}/openai/files/image.png';
    try {
      const res = await generate(alice.token, { prompt: 'linked' });
      expect(res.status, await res.clone().text()).toBe(200);
      const got = fake.requests.find((r) => r.path === '/openai/files/image.png')!;
      expect(got.headers.authorization).toBe('Bearer sk-img');
      // Another origin that resolves to loopback: the SSRF guard refuses it (502), the key never leaves.
      fake.requests.length = 0;
      fake.imageUrl = fake.url.replace('127.0.0.1', 'localhost') + '/openai/files/image.png';
      const blocked = await generate(alice.token, { prompt: 'linked' });
      expect(blocked.status).toBe(502);
      expect(fake.requests.some((r) => r.path === '/openai/files/image.png')).toBe(false);
    } finally {
      fake.imageUrl = null;
    }
  });

  it('faults: engine down -> 502, never answering -> 504 within the limit, garbage -> 502, bad input -> 4xx', async () => {
    fake.mode.set('openai', 'down');
    let res = await generate(alice.token, { prompt: 'x' });
    expect(res.status).toBe(502);
    expect(((await res.json()) as Json).detail).toMatch(/Server Connection Error/);
    fake.mode.set('openai', 'hang');
    const t0 = Date.now();
    res = await generate(alice.token, { prompt: 'x' });
    expect(res.status).toBe(504);
    expect(Date.now() - t0).toBeLessThan(3000);
    fake.mode.set('openai', 'garbage');
    res = await generate(alice.token, { prompt: 'x' });
    expect(res.status).toBe(502);
    fake.mode.set('openai', 'error');
    res = await generate(alice.token, { prompt: 'x' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as Json).detail).toMatch(/Incorrect API key/);
    fake.mode.clear();
    expect((await generate(alice.token, { prompt: '' })).status).toBe(422);
    expect((await generate(alice.token, { prompt: 'x', size: '12by12' })).status).toBe(400);
  });

  it('AUTOMATIC1111: models, checkpoint switch, txt2img with steps and basic auth', async () => {
    await setConfig((c) => {
      c.engine = 'automatic1111';
      c.automatic1111.AUTOMATIC1111_BASE_URL = `${fake.url}/a1111`;
      c.automatic1111.AUTOMATIC1111_API_AUTH = 'user:pass';
      c.automatic1111.AUTOMATIC1111_CFG_SCALE = '7.5';
    });
    expect(cfg.automatic1111.AUTOMATIC1111_CFG_SCALE).toBe(7.5);
    expect((await srv.request('GET', '/api/v1/images/config/url/verify', { token: admin.token })).status).toBe(200);
    const models = (await (await srv.request('GET', '/api/v1/images/models', { token: alice.token })).json()) as Json[];
    expect(models).toEqual([{ id: 'sd-v1-5.safetensors [abc]', name: 'sd-v1-5' }]);
    const res = await generate(alice.token, { prompt: 'a cat', negative_prompt: 'blurry', size: '640x480', model: 'other.ckpt' });
    expect(res.status, await res.clone().text()).toBe(200);
    const txt = fake.requests.find((r) => r.path === '/a1111/sdapi/v1/txt2img')!;
    expect(txt.headers.authorization).toBe(`Basic ${Buffer.from('user:pass').toString('base64')}`);
    expect(JSON.parse(txt.body.toString())).toEqual({ prompt: 'a cat', batch_size: 1, width: 640, height: 480, steps: 50, negative_prompt: 'blurry', cfg_scale: 7.5 });
    const set = fake.requests.find((r) => r.method === 'POST' && r.path === '/a1111/sdapi/v1/options')!;
    expect(JSON.parse(set.body.toString()).sd_model_checkpoint).toBe('other.ckpt');
    const [img] = (await res.json()) as { url: string }[];
    expect((await srv.request('GET', img!.url, { token: alice.token })).status).toBe(200);

    fake.mode.set('a1111', 'down');
    expect((await srv.request('GET', '/api/v1/images/config/url/verify', { token: admin.token })).status).toBe(400);
    // The original switches image generation off when the URL does not verify.
    cfg = (await (await srv.request('GET', '/api/v1/images/config', { token: admin.token })).json()) as Json;
    expect(cfg.enabled).toBe(false);
    await setConfig((c) => (c.enabled = true));
  });

  it('ComfyUI: queues the filled workflow, follows progress on its websocket, fetches history and view', async () => {
    await setConfig((c) => {
      c.engine = 'comfyui';
      c.comfyui.COMFYUI_BASE_URL = `${fake.url}/comfy`;
      c.comfyui.COMFYUI_API_KEY = 'comfy-key';
    });
    const models = (await (await srv.request('GET', '/api/v1/images/models', { token: alice.token })).json()) as Json[];
    expect(models.map((m) => m.id)).toEqual(['dreamshaper_8.safetensors', 'sdxl.safetensors']);
    await srv.request('POST', '/api/v1/images/image/config/update', { token: admin.token, body: { MODEL: 'sdxl.safetensors', IMAGE_SIZE: '768x512', IMAGE_STEPS: 12 } });

    const res = await generate(alice.token, { prompt: 'a red fox in snow', negative_prompt: 'text' });
    expect(res.status, await res.clone().text()).toBe(200);
    const queued = fake.requests.find((r) => r.path === '/comfy/prompt')!;
    const body = JSON.parse(queued.body.toString()) as Json;
    expect(queued.headers.authorization).toBe('Bearer comfy-key');
    expect(fake.wsConnections).toContain(body.client_id);
    const ws = fake.requests.find((r) => r.method === 'WS')!;
    expect(ws.path).toBe(`/comfy/ws?clientId=${body.client_id}`);
    expect(ws.headers.authorization).toBe('Bearer comfy-key');
    expect(body.prompt['6'].inputs.text).toBe('a red fox in snow');
    expect(body.prompt['7'].inputs.text).toBe('text');
    expect(body.prompt['4'].inputs.ckpt_name).toBe('sdxl.safetensors');
    expect(body.prompt['5'].inputs).toMatchObject({ width: 768, height: 512, batch_size: 1 });
    expect(body.prompt['3'].inputs.steps).toBe(12);
    expect(typeof body.prompt['3'].inputs.seed).toBe('number');
    expect(fake.requests.some((r) => r.path.startsWith('/comfy/history/p-'))).toBe(true);
    expect(fake.requests.some((r) => r.path.startsWith('/comfy/view?filename=ComfyUI_00001_.png'))).toBe(true);
    const [img] = (await res.json()) as { url: string }[];
    expect(Buffer.from(await (await srv.request('GET', img!.url, { token: alice.token })).arrayBuffer()).equals(PNG_1X1)).toBe(true);

    fake.mode.set('comfy-run', 'error');
    let bad = await generate(alice.token, { prompt: 'x' });
    expect(bad.status).toBe(502);
    expect(((await bad.json()) as Json).detail).toMatch(/CUDA out of memory/);
    fake.mode.set('comfy-run', 'hang');
    const t0 = Date.now();
    bad = await generate(alice.token, { prompt: 'x' });
    expect(bad.status).toBe(504);
    expect(Date.now() - t0).toBeLessThan(3000);
    fake.mode.set('comfy', 'down');
    bad = await generate(alice.token, { prompt: 'x' });
    expect(bad.status).toBe(502);

    await setConfig((c) => (c.comfyui.COMFYUI_WORKFLOW = '{not json'));
    fake.mode.clear();
    bad = await generate(alice.token, { prompt: 'x' });
    expect(bad.status).toBe(400);
    await setConfig((c) => (c.comfyui.COMFYUI_WORKFLOW = ''));
  });

  it('Gemini: predict with the API key header', async () => {
    await setConfig((c) => {
      c.engine = 'gemini';
      c.gemini.GEMINI_API_BASE_URL = `${fake.url}/gemini`;
      c.gemini.GEMINI_API_KEY = 'g-key';
    });
    await srv.request('POST', '/api/v1/images/image/config/update', { token: admin.token, body: { MODEL: '', IMAGE_SIZE: '512x512', IMAGE_STEPS: 50 } });
    const res = await generate(alice.token, { prompt: 'a kite' });
    expect(res.status, await res.clone().text()).toBe(200);
    const sent = fake.requests.find((r) => r.path === '/gemini/models/imagen-3.0-generate-002:predict')!;
    expect(sent.headers['x-goog-api-key']).toBe('g-key');
    expect(JSON.parse(sent.body.toString())).toEqual({ instances: { prompt: 'a kite' }, parameters: { sampleCount: 1, outputOptions: { mimeType: 'image/png' } } });
  });

  it('plain users need image generation enabled and the features.image_generation permission', async () => {
    await setConfig((c) => {
      c.engine = 'openai';
    });
    const perms = (await (await srv.request('GET', '/api/v1/users/default/permissions', { token: admin.token })).json()) as Json;
    await srv.request('POST', '/api/v1/users/default/permissions', { token: admin.token, body: { ...perms, features: { ...perms.features, image_generation: false } } });
    let res = await generate(alice.token, { prompt: 'x' });
    expect(res.status).toBe(403);
    expect((await generate(admin.token, { prompt: 'x' })).status).toBe(200);
    await srv.request('POST', '/api/v1/users/default/permissions', { token: admin.token, body: perms });
    await setConfig((c) => (c.enabled = false));
    res = await generate(alice.token, { prompt: 'x' });
    expect(res.status).toBe(403);
    expect(((await res.json()) as Json).detail).toMatch(/not enabled/);
    await setConfig((c) => (c.enabled = true));
  });

  it('chat with features.image_generation: the image comes with the reply and the model is told', async () => {
    llm.reply = 'Here is your image.';
    const res = await srv.request('POST', '/api/chat/completions', {
      token: alice.token,
      body: { model: 'gpt-4o', stream: false, messages: [{ role: 'user', content: 'a green parrot' }], features: { image_generation: true } },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const body = (await res.json()) as Json;
    expect(body.files).toHaveLength(1);
    expect(body.files[0]).toMatchObject({ type: 'image', url: expect.stringMatching(/^\/api\/v1\/files\/.+\/content$/) });
    expect(JSON.parse(fake.requests.find((r) => r.path === '/openai/v1/images/generations')!.body.toString()).prompt).toBe('a green parrot');
    const msgs = llm.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)!.body!.messages as Json[];
    expect(msgs[0]).toMatchObject({ role: 'system', content: expect.stringContaining('User is shown the generated image') });
    expect((await srv.request('GET', body.files[0].url, { token: alice.token })).status).toBe(200);

    // Streamed: a `files` event first, then the text.
    const stream = await srv.request('POST', '/api/chat/completions', {
      token: alice.token,
      body: { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'a blue whale' }], features: { image_generation: true } },
    });
    const text = await stream.text();
    const first = text.split('\n').find((l) => l.startsWith('data: '))!;
    expect(JSON.parse(first.slice(6)).files[0].type).toBe('image');

    // Prompt generation (ENABLE_IMAGE_PROMPT_GENERATION, on by default): the model writes the image prompt first.
    llm.turns.push({ reply: 'Sure: {"prompt": "A vivid green parrot on a mossy branch, morning light"}' }, { reply: 'Done.' });
    fake.requests.length = 0;
    const withPrompt = await srv.request('POST', '/api/chat/completions', {
      token: alice.token,
      body: { model: 'gpt-4o', stream: false, messages: [{ role: 'user', content: 'parrot please' }], features: { image_generation: true } },
    });
    expect(withPrompt.status).toBe(200);
    expect(JSON.parse(fake.requests.find((r) => r.path === '/openai/v1/images/generations')!.body.toString()).prompt).toBe('A vivid green parrot on a mossy branch, morning light');
    const task = llm.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-2)!.body!.messages as Json[];
    expect(task[0]!.content).toContain('USER: parrot please');

    // Engine down: the reply still comes, the model is told it failed.
    fake.mode.set('openai', 'down');
    const failed = await srv.request('POST', '/api/chat/completions', {
      token: alice.token,
      body: { model: 'gpt-4o', stream: false, messages: [{ role: 'user', content: 'a cat' }], features: { image_generation: true } },
    });
    expect(failed.status).toBe(200);
    expect(((await failed.json()) as Json).files).toBeUndefined();
    const last = llm.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)!.body!.messages as Json[];
    expect(last[0]!.content).toContain('Unable to generate an image');
  });
});

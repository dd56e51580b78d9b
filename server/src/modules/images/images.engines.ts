import type { GenerateImageForm } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { engineFetch, failedAnswer, jsonAnswer } from '../../net/engine-fetch.js';

/** One generated image: its bytes and type, plus what produced it (kept in the file's metadata). */
export interface GeneratedImage {
  data: Buffer;
  contentType: string;
  meta: Record<string, unknown>;
}

export interface GenerationRequest {
  form: GenerateImageForm;
  model: string;
  width: number;
  height: number;
  size: string;
  headers: Record<string, string>;
}

export const imageTimeoutMs = (ctx: AppContext) => ctx.config.media.images.timeoutSeconds * 1000;
const trim = (u: string) => u.replace(/\/+$/, '');

/** `data:image/png;base64,...` or bare base64 (PNG assumed, as the original does). */
export function decodeBase64Image(b64: unknown, engine: string): { data: Buffer; contentType: string } {
  if (typeof b64 !== 'string' || !b64) throw new ApiError(502, `${engine} sent an image without data`);
  const m = /^data:([^;,]+)(;base64)?,/.exec(b64);
  const data = Buffer.from(m ? b64.slice(m[0].length) : b64, 'base64');
  if (!data.length) throw new ApiError(502, `${engine} sent an empty image`);
  return { data, contentType: m?.[1] ?? 'image/png' };
}

/** Fetches an image the engine points to (ComfyUI's /view, OpenAI's `url`); must be an image. */
export async function fetchImage(ctx: AppContext, engine: string, url: string, headers: Record<string, string>, trustedOrigin: string): Promise<{ data: Buffer; contentType: string }> {
  // The engine's credentials go only to the engine's own origin (OpenAI hands out links to other hosts).
  const same = (() => { try { return new URL(url).origin === new URL(trustedOrigin).origin; } catch { return false; } })();
  const res = await engineFetch(url, { engine, headers: same ? headers : {}, timeoutMs: imageTimeoutMs(ctx), maxBytes: 50 * 1024 * 1024, trustedOrigin });
  if (!res.ok) throw failedAnswer(engine, res);
  const type = res.headers.get('content-type') ?? '';
  if (!type.startsWith('image/')) throw new ApiError(502, `${engine}: the image URL does not point to an image`);
  return { data: res.body, contentType: type.split(';')[0]!.trim() };
}

export async function openaiGenerate(ctx: AppContext, r: GenerationRequest): Promise<GeneratedImage[]> {
  const s = ctx.settings;
  const headers = { ...r.headers, authorization: `Bearer ${s.get('IMAGES_OPENAI_API_KEY')}`, 'content-type': 'application/json' };
  const data = {
    model: r.model,
    prompt: r.form.prompt,
    n: r.form.n,
    size: r.form.size || s.get('IMAGE_SIZE'),
    // gpt-image-1 always answers in base64 and refuses the parameter.
    ...(s.get('IMAGE_GENERATION_MODEL').includes('gpt-image-1') ? {} : { response_format: 'b64_json' }),
  };
  const version = s.get('IMAGES_OPENAI_API_VERSION');
  const url = `${trim(s.get('IMAGES_OPENAI_API_BASE_URL'))}/images/generations${version ? `?api-version=${encodeURIComponent(version)}` : ''}`;
  const res = await engineFetch(url, { engine: 'OpenAI images', method: 'POST', headers, body: JSON.stringify(data), timeoutMs: imageTimeoutMs(ctx) });
  if (!res.ok) throw failedAnswer('OpenAI images', res);
  const list = jsonAnswer('OpenAI images', res).data;
  if (!Array.isArray(list) || !list.length) throw new ApiError(502, 'OpenAI images sent no images');
  const out: GeneratedImage[] = [];
  for (const item of list as { url?: unknown; b64_json?: unknown }[]) {
    const img =
      typeof item.url === 'string' && item.url
        ? await fetchImage(ctx, 'OpenAI images', item.url, headers, s.get('IMAGES_OPENAI_API_BASE_URL'))
        : decodeBase64Image(item.b64_json, 'OpenAI images');
    out.push({ ...img, meta: data });
  }
  return out;
}

export async function geminiGenerate(ctx: AppContext, r: GenerationRequest): Promise<GeneratedImage[]> {
  const s = ctx.settings;
  const data = { instances: { prompt: r.form.prompt }, parameters: { sampleCount: r.form.n, outputOptions: { mimeType: 'image/png' } } };
  const url = `${trim(s.get('IMAGES_GEMINI_API_BASE_URL'))}/models/${encodeURIComponent(r.model)}:predict`;
  const res = await engineFetch(url, {
    engine: 'Gemini',
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': s.get('IMAGES_GEMINI_API_KEY') },
    body: JSON.stringify(data),
    timeoutMs: imageTimeoutMs(ctx),
  });
  if (!res.ok) throw failedAnswer('Gemini', res);
  const list = jsonAnswer('Gemini', res).predictions;
  if (!Array.isArray(list) || !list.length) throw new ApiError(502, 'Gemini sent no images');
  return (list as { bytesBase64Encoded?: unknown }[]).map((p) => ({ ...decodeBase64Image(p.bytesBase64Encoded, 'Gemini'), meta: data }));
}

export function a1111Auth(ctx: AppContext): string {
  const auth = ctx.settings.get('AUTOMATIC1111_API_AUTH');
  return auth ? `Basic ${Buffer.from(auth, 'utf8').toString('base64')}` : '';
}

const a1111Headers = (ctx: AppContext): Record<string, string> => {
  const auth = a1111Auth(ctx);
  return auth ? { authorization: auth } : {};
};

export async function a1111Options(ctx: AppContext): Promise<Record<string, unknown>> {
  const res = await engineFetch(`${trim(ctx.settings.get('AUTOMATIC1111_BASE_URL'))}/sdapi/v1/options`, {
    engine: 'AUTOMATIC1111',
    headers: a1111Headers(ctx),
    timeoutMs: ctx.config.timeouts.modelListSeconds * 1000,
  });
  if (!res.ok) throw failedAnswer('AUTOMATIC1111', res);
  return jsonAnswer('AUTOMATIC1111', res);
}

/** Makes `model` A1111's loaded checkpoint (it has one global model, set through its options). */
export async function a1111SetModel(ctx: AppContext, model: string): Promise<void> {
  const options = await a1111Options(ctx);
  if (options.sd_model_checkpoint === model) return;
  const res = await engineFetch(`${trim(ctx.settings.get('AUTOMATIC1111_BASE_URL'))}/sdapi/v1/options`, {
    engine: 'AUTOMATIC1111',
    method: 'POST',
    headers: { ...a1111Headers(ctx), 'content-type': 'application/json' },
    body: JSON.stringify({ ...options, sd_model_checkpoint: model }),
    timeoutMs: imageTimeoutMs(ctx),
  });
  if (!res.ok) throw failedAnswer('AUTOMATIC1111', res);
}

export async function a1111Models(ctx: AppContext): Promise<{ id: string; name: string }[]> {
  const res = await engineFetch(`${trim(ctx.settings.get('AUTOMATIC1111_BASE_URL'))}/sdapi/v1/sd-models`, {
    engine: 'AUTOMATIC1111',
    headers: a1111Headers(ctx),
    timeoutMs: ctx.config.timeouts.modelListSeconds * 1000,
  });
  if (!res.ok) throw failedAnswer('AUTOMATIC1111', res);
  const list: unknown = res.json();
  if (!Array.isArray(list)) throw new ApiError(502, 'AUTOMATIC1111 sent an unexpected model list');
  return (list as { title?: unknown; model_name?: unknown }[]).map((m) => ({ id: String(m.title), name: String(m.model_name) }));
}

export async function a1111Generate(ctx: AppContext, r: GenerationRequest): Promise<GeneratedImage[]> {
  const s = ctx.settings;
  if (r.form.model) await a1111SetModel(ctx, r.form.model);
  const data: Record<string, unknown> = { prompt: r.form.prompt, batch_size: r.form.n, width: r.width, height: r.height, steps: s.get('IMAGE_STEPS') };
  if (r.form.negative_prompt != null) data.negative_prompt = r.form.negative_prompt;
  if (s.get('AUTOMATIC1111_CFG_SCALE')) data.cfg_scale = s.get('AUTOMATIC1111_CFG_SCALE');
  if (s.get('AUTOMATIC1111_SAMPLER')) data.sampler_name = s.get('AUTOMATIC1111_SAMPLER');
  if (s.get('AUTOMATIC1111_SCHEDULER')) data.scheduler = s.get('AUTOMATIC1111_SCHEDULER');
  const res = await engineFetch(`${trim(s.get('AUTOMATIC1111_BASE_URL'))}/sdapi/v1/txt2img`, {
    engine: 'AUTOMATIC1111',
    method: 'POST',
    headers: { ...a1111Headers(ctx), 'content-type': 'application/json' },
    body: JSON.stringify(data),
    timeoutMs: imageTimeoutMs(ctx),
  });
  if (!res.ok) throw failedAnswer('AUTOMATIC1111', res);
  const body = jsonAnswer('AUTOMATIC1111', res);
  if (!Array.isArray(body.images) || !body.images.length) throw new ApiError(502, 'AUTOMATIC1111 sent no images');
  return (body.images as unknown[]).map((b64) => ({ ...decodeBase64Image(b64, 'AUTOMATIC1111'), meta: { ...data, info: body.info } }));
}

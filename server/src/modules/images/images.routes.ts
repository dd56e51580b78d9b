import type { FastifyInstance } from 'fastify';
import { GenerateImageForm, ImageConfigForm, ImagesConfigForm } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { engineFetch } from '../../net/engine-fetch.js';
import { currentUser } from '../../plugins/auth-guard.js';
import type { ZodTypeProvider } from '../../plugins/zod.js';
import { comfyuiModels } from './comfyui.js';
import { a1111Auth, a1111Models, a1111SetModel } from './images.engines.js';
import { ImagesService } from './images.service.js';

/** `/api/v1/images/*` of Open WebUI 0.6.34: config (admin), models, generations. */
export async function imagesRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = new ImagesService(ctx);
  const s = ctx.settings;
  const P = '/api/v1/images';

  const config = () => ({
    enabled: s.get('ENABLE_IMAGE_GENERATION'),
    engine: s.get('IMAGE_GENERATION_ENGINE'),
    prompt_generation: s.get('ENABLE_IMAGE_PROMPT_GENERATION'),
    openai: {
      OPENAI_API_BASE_URL: s.get('IMAGES_OPENAI_API_BASE_URL'),
      OPENAI_API_VERSION: s.get('IMAGES_OPENAI_API_VERSION'),
      OPENAI_API_KEY: s.get('IMAGES_OPENAI_API_KEY'),
    },
    automatic1111: {
      AUTOMATIC1111_BASE_URL: s.get('AUTOMATIC1111_BASE_URL'),
      AUTOMATIC1111_API_AUTH: s.get('AUTOMATIC1111_API_AUTH'),
      AUTOMATIC1111_CFG_SCALE: s.get('AUTOMATIC1111_CFG_SCALE'),
      AUTOMATIC1111_SAMPLER: s.get('AUTOMATIC1111_SAMPLER'),
      AUTOMATIC1111_SCHEDULER: s.get('AUTOMATIC1111_SCHEDULER'),
    },
    comfyui: {
      COMFYUI_BASE_URL: s.get('COMFYUI_BASE_URL'),
      COMFYUI_API_KEY: s.get('COMFYUI_API_KEY'),
      COMFYUI_WORKFLOW: s.get('COMFYUI_WORKFLOW'),
      COMFYUI_WORKFLOW_NODES: s.get('COMFYUI_WORKFLOW_NODES'),
    },
    gemini: { GEMINI_API_BASE_URL: s.get('IMAGES_GEMINI_API_BASE_URL'), GEMINI_API_KEY: s.get('IMAGES_GEMINI_API_KEY') },
  });

  app.get(`${P}/config`, { config: { auth: 'admin' } }, async () => config());

  app.post(`${P}/config/update`, { config: { auth: 'admin' }, schema: { body: ImagesConfigForm } }, async (request) => {
    const b = request.body;
    const cfg = b.automatic1111.AUTOMATIC1111_CFG_SCALE;
    const cfgNum = cfg === null || cfg === undefined || cfg === '' ? null : Number(cfg);
    if (cfgNum !== null && !Number.isFinite(cfgNum)) throw new ApiError(400, ERROR_MESSAGES.DEFAULT('AUTOMATIC1111_CFG_SCALE must be a number'));
    await s.set({
      IMAGE_GENERATION_ENGINE: b.engine,
      ENABLE_IMAGE_GENERATION: b.enabled,
      ENABLE_IMAGE_PROMPT_GENERATION: b.prompt_generation,
      IMAGES_OPENAI_API_BASE_URL: b.openai.OPENAI_API_BASE_URL,
      IMAGES_OPENAI_API_VERSION: b.openai.OPENAI_API_VERSION,
      IMAGES_OPENAI_API_KEY: b.openai.OPENAI_API_KEY,
      IMAGES_GEMINI_API_BASE_URL: b.gemini.GEMINI_API_BASE_URL,
      IMAGES_GEMINI_API_KEY: b.gemini.GEMINI_API_KEY,
      AUTOMATIC1111_BASE_URL: b.automatic1111.AUTOMATIC1111_BASE_URL,
      AUTOMATIC1111_API_AUTH: b.automatic1111.AUTOMATIC1111_API_AUTH,
      AUTOMATIC1111_CFG_SCALE: cfgNum || null,
      AUTOMATIC1111_SAMPLER: b.automatic1111.AUTOMATIC1111_SAMPLER || null,
      AUTOMATIC1111_SCHEDULER: b.automatic1111.AUTOMATIC1111_SCHEDULER || null,
      COMFYUI_BASE_URL: b.comfyui.COMFYUI_BASE_URL.replace(/^\/+|\/+$/g, ''),
      COMFYUI_API_KEY: b.comfyui.COMFYUI_API_KEY,
      COMFYUI_WORKFLOW: b.comfyui.COMFYUI_WORKFLOW,
      COMFYUI_WORKFLOW_NODES: b.comfyui.COMFYUI_WORKFLOW_NODES,
    });
    return config();
  });

  // The settings page checks the engine's URL: true, or 400 (and image generation switched off) as the original.
  app.get(`${P}/config/url/verify`, { config: { auth: 'admin' } }, async () => {
    const engine = s.get('IMAGE_GENERATION_ENGINE');
    const probe: { url: string; headers: Record<string, string> } | null =
      engine === 'automatic1111'
        ? { url: `${s.get('AUTOMATIC1111_BASE_URL').replace(/\/+$/, '')}/sdapi/v1/options`, headers: a1111Auth(ctx) ? { authorization: a1111Auth(ctx) } : {} }
        : engine === 'comfyui'
          ? { url: `${s.get('COMFYUI_BASE_URL').replace(/\/+$/, '')}/object_info`, headers: s.get('COMFYUI_API_KEY') ? { authorization: `Bearer ${s.get('COMFYUI_API_KEY')}` } : {} }
          : null;
    if (!probe) return true;
    const ok = await engineFetch(probe.url, { engine, headers: probe.headers, timeoutMs: ctx.config.timeouts.modelListSeconds * 1000 }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return true;
    await s.set({ ENABLE_IMAGE_GENERATION: false });
    throw new ApiError(400, ERROR_MESSAGES.INVALID_URL);
  });

  const imageConfig = () => ({ MODEL: s.get('IMAGE_GENERATION_MODEL'), IMAGE_SIZE: s.get('IMAGE_SIZE'), IMAGE_STEPS: s.get('IMAGE_STEPS') });
  app.get(`${P}/image/config`, { config: { auth: 'admin' } }, async () => imageConfig());
  app.post(`${P}/image/config/update`, { config: { auth: 'admin' }, schema: { body: ImageConfigForm } }, async (request) => {
    const { MODEL, IMAGE_SIZE, IMAGE_STEPS } = request.body;
    if (IMAGE_SIZE === 'auto' && MODEL !== 'gpt-image-1') throw new ApiError(400, ERROR_MESSAGES.DEFAULT('Invalid format.  (auto is only allowed with gpt-image-1).'));
    if (IMAGE_SIZE !== 'auto' && !/^\d+x\d+$/.test(IMAGE_SIZE)) throw new ApiError(400, ERROR_MESSAGES.DEFAULT('Invalid format.  (e.g., 512x512).'));
    if (IMAGE_STEPS < 0) throw new ApiError(400, ERROR_MESSAGES.DEFAULT('Invalid format.  (e.g., 50).'));
    const engine = s.get('IMAGE_GENERATION_ENGINE');
    if ((engine === 'automatic1111' || engine === '') && MODEL) await a1111SetModel(ctx, MODEL);
    await s.set({ IMAGE_GENERATION_MODEL: MODEL, IMAGE_SIZE, IMAGE_STEPS });
    return imageConfig();
  });

  app.get(`${P}/models`, { config: { auth: 'verified' } }, async () => {
    const engine = s.get('IMAGE_GENERATION_ENGINE');
    if (engine === 'openai') {
      return [
        { id: 'dall-e-2', name: 'DALL·E 2' },
        { id: 'dall-e-3', name: 'DALL·E 3' },
        { id: 'gpt-image-1', name: 'GPT-IMAGE 1' },
      ];
    }
    if (engine === 'gemini') return [{ id: 'imagen-3.0-generate-002', name: 'imagen-3.0 generate-002' }];
    if (engine === 'comfyui') return comfyuiModels(ctx);
    if (engine === 'automatic1111' || engine === '') return a1111Models(ctx);
    return [];
  });

  app.post(`${P}/generations`, { config: { auth: 'verified' }, schema: { body: GenerateImageForm } }, async (request) => {
    const user = currentUser(request);
    await svc.assertAllowed(user);
    return svc.generate(user, request.body);
  });
}

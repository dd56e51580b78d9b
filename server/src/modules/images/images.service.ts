import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { GenerateImageForm, UserModel } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { RagRuntime } from '../../rag/runtime.js';
import { hasPermission } from '../users/permissions.js';
import { comfyuiGenerate } from './comfyui.js';
import { a1111Generate, a1111Options, geminiGenerate, openaiGenerate, type GeneratedImage, type GenerationRequest } from './images.engines.js';

const EXT: Record<string, string> = { 'image/png': '.png', 'image/jpeg': '.jpg', 'image/webp': '.webp', 'image/gif': '.gif' };
const MAX_IMAGE_BYTES = 50 * 1024 * 1024;

/**
 * Image generation (IMAGE_GENERATION_ENGINE = openai | gemini | comfyui | automatic1111). Every image is
 * stored as a file of the caller (the files feature's storage and `file` table), so it is served later by
 * `/api/v1/files/{id}/content` with the file access rules, like the original.
 */
export class ImagesService {
  constructor(private readonly ctx: AppContext) {}

  private get s() {
    return this.ctx.settings;
  }

  /** The original's get_image_model: the configured model or the engine's default. */
  async model(): Promise<string> {
    const engine = this.s.get('IMAGE_GENERATION_ENGINE');
    const model = this.s.get('IMAGE_GENERATION_MODEL');
    if (engine === 'openai') return model || 'dall-e-2';
    if (engine === 'gemini') return model || 'imagen-3.0-generate-002';
    if (engine === 'comfyui') return model;
    const options = await a1111Options(this.ctx);
    return String(options.sd_model_checkpoint ?? '');
  }

  /** Admins always; others need ENABLE_IMAGE_GENERATION and the `features.image_generation` permission. */
  async assertAllowed(user: UserModel): Promise<void> {
    if (user.role === 'admin') return;
    if (!this.s.get('ENABLE_IMAGE_GENERATION')) throw new ApiError(403, 'Image generation is not enabled');
    if (!(await hasPermission(this.ctx, user, 'features.image_generation'))) throw new ApiError(403, 'You do not have permission to generate images');
  }

  async generate(user: UserModel, form: GenerateImageForm, headers: Record<string, string> = {}): Promise<{ url: string }[]> {
    let size = '512x512';
    const configured = this.s.get('IMAGE_SIZE');
    if (/^\d+x\d+$/.test(configured)) size = configured;
    if (form.size) {
      if (!/^\d+x\d+$/.test(form.size) && form.size !== 'auto') throw new ApiError(400, 'Invalid size: use WIDTHxHEIGHT, e.g. 512x512');
      if (form.size !== 'auto') size = form.size;
    }
    const [width, height] = size.split('x').map(Number) as [number, number];
    if (!(width > 0 && height > 0 && width <= 8192 && height <= 8192)) throw new ApiError(400, 'Invalid size: width and height must be between 1 and 8192');
    const engine = this.s.get('IMAGE_GENERATION_ENGINE');
    const r: GenerationRequest = { form, model: await this.model(), width, height, size, headers };
    let images: GeneratedImage[];
    if (engine === 'openai') images = await openaiGenerate(this.ctx, r);
    else if (engine === 'gemini') images = await geminiGenerate(this.ctx, r);
    else if (engine === 'comfyui') images = await comfyuiGenerate(this.ctx, r);
    else if (engine === 'automatic1111' || engine === '') images = await a1111Generate(this.ctx, r);
    else throw new ApiError(400, `Unknown image generation engine "${engine}"`);
    const out: { url: string }[] = [];
    for (const img of images) out.push({ url: `/api/v1/files/${await this.store(user, img)}/content` });
    return out;
  }

  /** Saves one image as the user's file and returns its id. */
  private async store(user: UserModel, img: GeneratedImage): Promise<string> {
    if (!img.contentType.startsWith('image/')) throw new ApiError(502, 'The engine returned something that is not an image');
    const rt = RagRuntime.for(this.ctx);
    const id = randomUUID();
    const filename = `generated-image${EXT[img.contentType] ?? '.png'}`;
    const saved = await rt.storage.save(Readable.from([img.data]), id, filename, MAX_IMAGE_BYTES);
    await rt.files.insert({
      id,
      user_id: user.id,
      filename,
      path: saved.path,
      data: {},
      meta: { name: filename, content_type: img.contentType, size: saved.size, data: img.meta },
      access_control: null,
    });
    return id;
  }
}

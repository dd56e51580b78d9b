import type { ChatCompletionRequest, UserModel } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ImagesService } from './images.service.js';

type Json = Record<string, unknown>;

/**
 * The chat's image generation step (`features.image_generation`): the image is generated from the last
 * user message before the model is called, stored as the user's file, and handed back as the reply's
 * `files` ([{type: 'image', url}]); the model is told in a system note that the user sees it (or that it
 * failed), as the original middleware does. An engine failure does not fail the reply.
 */
function lastUserText(messages: ChatCompletionRequest['messages']): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) return m.content.map((p) => (p && typeof p === 'object' && (p as Json).type === 'text' ? String((p as Json).text ?? '') : '')).join('\n');
    return '';
  }
  return '';
}

function withSystemNote(messages: ChatCompletionRequest['messages'], note: string): ChatCompletionRequest['messages'] {
  const first = messages[0];
  if (first?.role === 'system' && typeof first.content === 'string') return [{ ...first, content: `${note}\n${first.content}` }, ...messages.slice(1)];
  return [{ role: 'system', content: note } as ChatCompletionRequest['messages'][number], ...messages];
}

// The original's default image prompt template (task), in our words; {{MESSAGES:END:6}} = the last six messages.
const PROMPT_TEMPLATE = `### Task:
Write a detailed prompt for an image generation model from the conversation below. Describe the image for
someone who cannot see it: subject, setting, colours, shapes, style. Keep to what the conversation asks for.
Use the conversation's language (English if mixed).

### Output:
Only JSON: {"prompt": "the description"}

### Chat History:
<chat_history>
{{MESSAGES:END:6}}
</chat_history>`;

/** One model call without the chat's steps (the caller binds model access and the user). */
export type TaskCall = (request: ChatCompletionRequest) => Promise<unknown>;

function historyText(messages: ChatCompletionRequest['messages']): string {
  return messages
    .filter((m) => m.role === 'user' || m.role === 'assistant')
    .slice(-6)
    .map((m) => `${m.role.toUpperCase()}: ${typeof m.content === 'string' ? m.content : lastUserText([m])}`)
    .join('\n');
}

/** ENABLE_IMAGE_PROMPT_GENERATION: the chat model turns the conversation into an image prompt; any failure keeps the user's text. */
async function generatedPrompt(ctx: AppContext, request: ChatCompletionRequest, fallback: string, call: TaskCall | undefined): Promise<string> {
  if (!call || !ctx.settings.get('ENABLE_IMAGE_PROMPT_GENERATION')) return fallback;
  try {
    const content = PROMPT_TEMPLATE.replace('{{MESSAGES:END:6}}', historyText(request.messages));
    const body = (await call({ model: request.model, stream: false, messages: [{ role: 'user', content }] } as ChatCompletionRequest)) as {
      choices?: { message?: { content?: unknown } }[];
    };
    const text = String(body?.choices?.[0]?.message?.content ?? '');
    const json = text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);
    const prompt = (JSON.parse(json) as { prompt?: unknown }).prompt;
    return typeof prompt === 'string' && prompt.trim() ? prompt.trim() : fallback;
  } catch (err) {
    ctx.log.debug({ err: (err as Error).message }, 'image prompt generation failed; using the message');
    return fallback;
  }
}

export async function chatImageStep(
  ctx: AppContext,
  user: UserModel,
  request: ChatCompletionRequest,
  call?: TaskCall,
): Promise<{ request: ChatCompletionRequest; files: Json[] }> {
  if (request.features?.image_generation !== true) return { request, files: [] };
  const svc = new ImagesService(ctx);
  await svc.assertAllowed(user); // 403 with a clear detail before any model call
  const message = lastUserText(request.messages).trim();
  if (!message) throw new ApiError(400, 'Image generation needs a prompt in the last user message');
  const prompt = await generatedPrompt(ctx, request, message, call);
  let files: Json[] = [];
  let note: string;
  try {
    const images = await svc.generate(user, { prompt: prompt.slice(0, 10_000), n: 1 });
    files = images.map((i) => ({ type: 'image', url: i.url }));
    note = '<context>User is shown the generated image, tell the user that the image has been generated</context>';
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message }, 'chat image generation failed');
    note = '<context>Unable to generate an image, tell the user that an error occurred</context>';
  }
  return { request: { ...request, messages: withSystemNote(request.messages, note) }, files };
}

/** Puts the generated images ahead of the reply: a `{files}` chunk in a stream, a `files` field in JSON. */
export async function* withFilesChunk(files: Json[], chunks: AsyncIterable<Json>): AsyncGenerator<Json> {
  yield { files };
  yield* chunks;
}

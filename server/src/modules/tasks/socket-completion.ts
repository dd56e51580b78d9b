import type { FastifyInstance } from 'fastify';
import type { ChatCompletionRequest, UserModel } from '@owui/contracts';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { isUnsafeKey, UNSAFE_KEY_DETAIL } from '../../security/own-keys.js';
import { chatsServiceFor } from '../chats/chats.service.js';
import type { CompletionsService } from '../completions/completions.service.js';
import { runBackgroundTasks, type BackgroundTaskFlags } from './background-tasks.js';
import type { CompletionChunk } from './chat-task.js';
import type { PromptMessage } from './task-prompts.js';

type SocketModeBody = ChatCompletionRequest & { session_id: string; chat_id: string; id: string };

/**
 * How many deltas go into one `chat:completion` event, as the original decides it: the model's
 * `stream_delta_chunk_size` param when set, else the request's, and never below
 * CHAT_RESPONSE_STREAM_DELTA_CHUNK_SIZE.
 */
export function deltaChunkSize(envSize: number, requestParams: unknown, modelParams: Record<string, unknown>): number {
  const asInt = (v: unknown) => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() ? Number(v) : NaN;
    return Number.isInteger(n) && n > 0 ? n : null;
  };
  const fromRequest = requestParams && typeof requestParams === 'object' ? (requestParams as Record<string, unknown>).stream_delta_chunk_size : undefined;
  return Math.max(envSize, asInt(modelParams.stream_delta_chunk_size) ?? asInt(fromRequest) ?? 1);
}

/** The original's rule: a body naming the socket session, the chat and the reply's id runs in the background. */
export function isSocketMode(body: ChatCompletionRequest): body is SocketModeBody {
  return Boolean(body.session_id && body.chat_id && body.id);
}

/**
 * Checks what must fail as an HTTP error (unknown model, someone else's chat), then hands the reply to a
 * background task and answers `{status: true, task_id}` at once; the content arrives as socket `events`.
 */
export async function startSocketCompletion(
  app: FastifyInstance,
  svc: CompletionsService,
  body: SocketModeBody,
  user: UserModel,
): Promise<{ status: true; task_id: string }> {
  if (isUnsafeKey(body.id)) throw new ApiError(400, UNSAFE_KEY_DETAIL);
  const modelParams = await svc.ensureUsable(body.model, user, body.chat_id, body);
  if (!body.chat_id.startsWith('local:')) {
    const chats = chatsServiceFor(app.ctx);
    const head = await chats.repo.findHead(body.chat_id, user.role === 'admin' ? undefined : user.id);
    if (!head) throw new ApiError(404, ERROR_MESSAGES.NOT_FOUND);
  }
  return app.chatTasks.startChatCompletion({
    userId: user.id,
    chatId: body.chat_id,
    messageId: body.id,
    model: body.model,
    deltaChunkSize: deltaChunkSize(app.ctx.config.chatApp.streamDeltaChunkSize, body.params, modelParams),
    stream: (signal) => svc.chunks(body, user, { signal }) as AsyncIterable<CompletionChunk>,
    // The original's background_tasks: asked for by the UI, run once the reply is complete.
    after: body.background_tasks
      ? async ({ content, error }) => {
          if (error) return;
          await runBackgroundTasks(app.ctx, {
            user,
            chatId: body.chat_id,
            messageId: body.id,
            model: body.model,
            requestMessages: body.messages as PromptMessage[],
            content,
            flags: body.background_tasks as BackgroundTaskFlags,
            emit: app.realtime.emitToUser,
            log: app.log,
          });
        }
      : undefined,
  });
}

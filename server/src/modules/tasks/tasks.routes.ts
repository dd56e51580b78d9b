import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { currentUser } from '../../plugins/auth-guard.js';
import type { Realtime } from '../../realtime/socket.js';
import { writeMessagesBatch } from '../chats/chats.batch-writer.js';
import { chatsServiceFor, type ChatsService } from '../chats/chats.service.js';
import { runChatTask, type ChatTaskInput } from './chat-task.js';
import { INTERRUPTED_TEXT, ReplyJournal } from './reply-journal.js';
import { ReplySaves } from './reply-saves.js';
import { TaskRegistry } from './tasks.service.js';

/** What the completions route calls for the socket mode (`session_id` + `chat_id` + `id` present). */
export interface ChatTasks {
  startChatCompletion(input: ChatTaskInput): Promise<{ status: true; task_id: string }>;
}

declare module 'fastify' {
  interface FastifyInstance {
    chatTasks: ChatTasks;
  }
}

const TaskIdParams = z.object({ task_id: z.string().min(1).max(200) });
const ChatIdParams = z.object({ chat_id: z.string().min(1).max(500) });

/**
 * `/api/tasks`: list, per-chat list and stop of background tasks. Records live in SharedState, so these
 * answer the same on every instance, and a stop reaches the instance running the task.
 */
export async function tasksRoutes(app: FastifyInstance, ctx: AppContext, realtime: Realtime): Promise<void> {
  const registry = new TaskRegistry(ctx.state);
  await registry.start();
  const chats = chatsServiceFor(ctx);
  const journal = new ReplyJournal(ctx.db, registry.instance);
  await markOrphansInterrupted(journal, chats, ctx.state.kind === 'memory', app.log);
  journal.startHeartbeat();
  // In a cluster a dead instance's rows are claimed by whichever live one sweeps first.
  const sweep = ctx.state.kind === 'memory' ? null : setInterval(() => void markOrphansInterrupted(journal, chats, false, app.log), 30_000);
  sweep?.unref();
  // Background replies get the same shutdown budget as HTTP streams: drain while the server closes,
  // then cut (stored as interrupted) before the database goes away.
  const budget = ctx.config.server.shutdownTimeoutMs;
  let draining: Promise<void> = Promise.resolve();
  app.addHook('preClose', (done) => {
    if (sweep) clearInterval(sweep);
    draining = registry.close(Math.floor(budget * 0.75), Math.max(500, Math.floor(budget * 0.2)));
    done();
  });
  app.addHook('onClose', async () => {
    await draining;
    journal.stopHeartbeat();
  });

  const save = (chatId: string, up: Parameters<typeof chats.upsertAssistantMessage>[1], userId: string) => chats.upsertAssistantMessage(chatId, up, userId);
  // One timer and one transaction per batch for the periodic saves of every reply running here.
  const saves = new ReplySaves({ many: (items) => writeMessagesBatch(chats, items), one: (it) => save(it.chatId, it.up, it.userId), log: app.log });

  app.decorate('chatTasks', {
    async startChatCompletion(input) {
      const deps = { emit: realtime.emitToUser, save, saves, log: app.log };
      const persist = !input.chatId.startsWith('local:');
      const work = async (signal: AbortSignal) => {
        if (persist) await journal.begin({ chat_id: input.chatId, message_id: input.messageId, user_id: input.userId }).catch(() => undefined);
        try {
          await runChatTask(input, deps, signal);
        } finally {
          if (persist) await journal.end(input.chatId, input.messageId).catch(() => undefined);
        }
      };
      const task_id = await registry.spawn({ userId: input.userId, chatId: input.chatId }, work);
      return { status: true as const, task_id };
    },
  } satisfies ChatTasks);

  const verified = { config: { auth: 'verified' as const } };

  app.get('/api/tasks', verified, async (request) => {
    const user = currentUser(request);
    return { tasks: user.role === 'admin' ? await registry.listAll() : await registry.listForUser(user.id) };
  });

  app.get('/api/tasks/chat/:chat_id', { ...verified, schema: { params: ChatIdParams } }, async (request) => {
    const user = currentUser(request);
    const { chat_id } = request.params as z.infer<typeof ChatIdParams>;
    const ids = await registry.listForChat(chat_id);
    if (user.role === 'admin') return { task_ids: ids };
    // Someone else's chat answers like an idle one: no task ids, no hint that it exists.
    const records = await Promise.all(ids.map((id) => registry.get(id)));
    return { task_ids: ids.filter((_, i) => records[i]?.user_id === user.id) };
  });

  app.post('/api/tasks/stop/:task_id', { ...verified, schema: { params: TaskIdParams } }, async (request) => {
    const user = currentUser(request);
    const { task_id } = request.params as z.infer<typeof TaskIdParams>;
    const record = await registry.get(task_id);
    const notFound = new ApiError(404, `Task with ID ${task_id} not found.`);
    if (!record || (record.user_id !== user.id && user.role !== 'admin')) throw notFound;
    if (!(await registry.stop(task_id))) throw notFound;
    return { status: true, message: `Stop signal sent for ${task_id}` };
  });
}

/** Stores the replies of dead processes as interrupted (done, with an error), keeping their partial text. */
async function markOrphansInterrupted(journal: ReplyJournal, chats: ChatsService, all: boolean, log: FastifyInstance['log']): Promise<void> {
  try {
    const orphans = await journal.takeOrphans(all);
    for (const o of orphans) {
      await chats.upsertAssistantMessage(o.chat_id, { messageId: o.message_id, fields: { done: true, error: { content: INTERRUPTED_TEXT } } }, o.user_id);
    }
    if (orphans.length) log.warn({ count: orphans.length }, 'replies cut by a previous crash were marked interrupted');
  } catch (err) {
    log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not mark orphaned replies');
  }
}

import type { ChatEvent, UserModel } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { chatsServiceFor } from '../chats/chats.service.js';
import { answerText, TaskModelService } from './task-model.js';
import { cleanTitle, extractJson, type PromptMessage, type TaskKind } from './task-prompts.js';

/** What the UI asks for in `background_tasks` (the original's flag names). */
export interface BackgroundTaskFlags {
  title_generation?: unknown;
  tags_generation?: unknown;
  follow_up_generation?: unknown;
}

export interface FinishedReply {
  user: UserModel;
  chatId: string;
  messageId: string;
  model: string;
  /** The request's messages (used for temporary chats, whose history is not stored). */
  requestMessages: PromptMessage[];
  content: string;
  flags: BackgroundTaskFlags;
  emit: (userId: string, event: ChatEvent) => void;
  log: { warn(obj: object, msg: string): void };
}

// Collapsed reasoning blocks and images say nothing about the topic and cost tokens.
const NOISE = /<details\b[^>]*>.*?<\/details>|!\[.*?\]\(.*?\)/gis;

type StoredMessage = { id?: string; role?: string; content?: unknown; parentId?: string | null };

async function storedBranch(ctx: AppContext, chatId: string, userId: string, leafId: string): Promise<PromptMessage[] | null> {
  const row = await chatsServiceFor(ctx).repo.findOwned(chatId, userId);
  if (!row) return null;
  let chat: { history?: { messages?: Record<string, StoredMessage> } };
  try {
    chat = JSON.parse(row.chat) as typeof chat;
  } catch {
    return null;
  }
  const map = new Map(Object.entries(chat.history?.messages ?? {}));
  const out: PromptMessage[] = [];
  const seen = new Set<string>();
  for (let id: string | null | undefined = leafId; id && map.has(id) && !seen.has(id); id = map.get(id)!.parentId) {
    seen.add(id);
    const m = map.get(id)!;
    out.unshift({ role: m.role ?? 'assistant', content: typeof m.content === 'string' ? m.content.replace(NOISE, '').trim() : m.content });
  }
  return out;
}

/**
 * After a socket-delivered reply ends: follow-up suggestions, then (for stored chats) the title and
 * tags, each from the task model, each delivered as a socket event (`chat:message:follow_ups`,
 * `chat:title`, `chat:tags`) and saved. A task that fails is logged and skipped; the reply stands.
 */
export async function runBackgroundTasks(ctx: AppContext, r: FinishedReply): Promise<void> {
  const tasks = TaskModelService.for(ctx);
  const chats = chatsServiceFor(ctx);
  const local = r.chatId.startsWith('local:');
  const send = (data: ChatEvent['data']) => r.emit(r.user.id, { chat_id: r.chatId, message_id: r.messageId, data });
  const messages = local ? [...r.requestMessages, { role: 'assistant', content: r.content }] : await storedBranch(ctx, r.chatId, r.user.id, r.messageId);
  if (!messages?.length) return;

  const ask = async (kind: TaskKind): Promise<Record<string, unknown> | null> => {
    if (!tasks.enabled(kind)) return null;
    try {
      return extractJson(answerText(await tasks.run(kind, { model: r.model, messages, chat_id: r.chatId }, r.user)));
    } catch (err) {
      r.log.warn({ chatId: r.chatId, task: kind, err: err instanceof Error ? err.message : String(err) }, 'background task failed');
      return null;
    }
  };

  if (r.flags.follow_up_generation) {
    const json = await ask('follow_up');
    const list = Array.isArray(json?.follow_ups) ? json.follow_ups.filter((q): q is string => typeof q === 'string' && q.trim() !== '').slice(0, 8) : null;
    if (list) {
      send({ type: 'chat:message:follow_ups', data: { follow_ups: list } });
      if (!local) await chats.upsertAssistantMessage(r.chatId, { messageId: r.messageId, fields: { followUps: list } }, r.user.id);
    }
  }
  if (local) return;

  if (r.flags.title_generation) {
    const firstUser = messages.find((m) => m.role === 'user');
    const fallback = cleanTitle(typeof firstUser?.content === 'string' ? firstUser.content : '') || 'New Chat';
    const json = tasks.enabled('title') ? await ask('title') : null;
    const title = (typeof json?.title === 'string' && cleanTitle(json.title)) || fallback;
    await chats.update(r.chatId, r.user.id, { title });
    send({ type: 'chat:title', data: title });
  }

  if (r.flags.tags_generation) {
    const json = await ask('tags');
    const names = Array.isArray(json?.tags) ? json.tags.filter((t): t is string => typeof t === 'string' && t.trim() !== '').map((t) => t.trim().slice(0, 64)).slice(0, 6) : null;
    if (names?.length) {
      for (const name of names) {
        const row = await chats.repo.findOwned(r.chatId, r.user.id);
        if (row) await chats.addTag(row, name);
      }
      send({ type: 'chat:tags', data: names });
    }
  }
}

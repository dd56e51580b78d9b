import type { ChatEvent } from '@owui/contracts';
import type { MessageUpsert } from '../chats/chats.history.js';
import { INTERRUPTED_TEXT } from './reply-journal.js';
import type { ReplySaves } from './reply-saves.js';
import { isShutdownAbort } from './tasks.service.js';

/** The part of an OpenAI `chat.completion.chunk` a socket-delivered reply needs. */
export interface CompletionChunk {
  choices?: Array<{ delta?: { content?: string | null }; message?: { content?: string | null }; finish_reason?: string | null }>;
  usage?: Record<string, unknown> | null;
  /** A stream that broke midway ends with one of these. */
  error?: { message?: string } | null;
  /** A socket event to pass on as is (the tools step's status updates). */
  event?: ChatEvent['data'];
  /** Retrieved documents (RAG), sent once before the reply's text. */
  sources?: unknown[];
  /** Generated images (image generation step), sent once before the reply's text. */
  files?: Record<string, unknown>[];
}

export interface ChatTaskInput {
  userId: string;
  chatId: string;
  messageId: string;
  model: string;
  /** Deltas per `chat:completion` text event (socket-completion.ts `deltaChunkSize`); default 1. */
  deltaChunkSize?: number;
  /** Yields the reply's chunks; must stop when `signal` aborts. */
  stream: (signal: AbortSignal) => AsyncIterable<CompletionChunk>;
  /** Runs after the final `done` event and before `chat:active: false` (title, tags, follow-ups). */
  after?: (reply: { content: string; error: string | null; stopped: boolean }) => Promise<void>;
}

export interface ChatTaskDeps {
  emit(userId: string, event: ChatEvent): void;
  /** Writes the assistant message into the stored chat (ChatsService.upsertAssistantMessage): the final state. */
  save(chatId: string, up: MessageUpsert, userId: string): Promise<unknown>;
  /** The instance's periodic saves of growing replies (one timer and one transaction for all of them). */
  saves: Pick<ReplySaves, 'schedule' | 'settle'>;
  log: { warn(obj: object, msg: string): void };
}

export { SAVE_INTERVAL_MS } from './reply-saves.js';

const errorText = (err: unknown) => (err instanceof Error ? err.message : typeof err === 'string' ? err : 'Something went wrong :/');

/**
 * Runs one chat completion for the socket mode: content goes to the user's sockets as `events`
 * (`chat:completion` with the whole text so far), bracketed by `chat:active`, and into the stored chat
 * every SAVE_INTERVAL_MS (the instance's batched saves, reply-saves.ts) and at the end, so a reload,
 * a dropped socket or this instance dying mid-reply loses at most the last interval. Temporary chats
 * (`local:` ids) are never written.
 */
export async function runChatTask(input: ChatTaskInput, deps: ChatTaskDeps, signal: AbortSignal): Promise<void> {
  const { userId, chatId, messageId } = input;
  const persist = !chatId.startsWith('local:');
  const send = (data: ChatEvent['data']) => deps.emit(userId, { chat_id: chatId, message_id: messageId, data });

  let content = '';
  let usage: Record<string, unknown> | undefined;
  let sources: unknown[] | undefined;
  let files: Record<string, unknown>[] | undefined;
  // Status steps (web search, tools), stored with the message as the original's `statusHistory`.
  const statusHistory: unknown[] = [];
  const snapshot = (extra?: Record<string, unknown>): MessageUpsert => ({
    messageId,
    content,
    mode: 'replace',
    fields: { model: input.model, ...(sources ? { sources } : {}), ...(files ? { files } : {}), ...(statusHistory.length ? { statusHistory: [...statusHistory] } : {}), ...extra },
  });
  // This reply's entry in the instance's periodic saves (written at the batch's time, with the text then).
  const saveKey = {};
  const scheduleSave = () => (persist ? deps.saves.schedule(saveKey, () => ({ chatId, up: snapshot(), userId })) : undefined);
  const saveFinal = async (extra: Record<string, unknown>) => {
    if (!persist) return;
    await deps.saves.settle(saveKey);
    await deps.save(chatId, snapshot(extra), userId).catch((err: unknown) => deps.log.warn({ chatId, err: errorText(err) }, 'saving a streamed reply failed'));
  };

  const chunkSize = Math.max(1, input.deltaChunkSize ?? 1);
  let pending = 0;
  send({ type: 'chat:active', data: { active: true } });
  let error: string | null = null;
  try {
    for await (const chunk of input.stream(signal)) {
      if (chunk.event) {
        if (chunk.event.type === 'status') statusHistory.push(chunk.event.data);
        send(chunk.event);
        continue;
      }
      if (chunk.usage) usage = chunk.usage;
      // Generated images (image generation step): on the message, as the original's `files` event.
      if (Array.isArray(chunk.files)) {
        files = chunk.files;
        send({ type: 'files', data: { files } });
        if (!chunk.choices) continue;
      }
      if (Array.isArray(chunk.sources)) {
        sources = chunk.sources;
        send({ type: 'chat:completion', data: { sources } });
        continue;
      }
      if (chunk.error) {
        // A stop cuts the upstream off, which can surface as a "connection lost" chunk: that is the
        // normal end of a stopped reply, not a failure.
        if (!signal.aborted) error = chunk.error.message || 'Something went wrong :/';
        break;
      }
      // `message` is what an upstream that ignored stream:true sends, as one whole completion.
      const delta = chunk.choices?.[0]?.delta?.content ?? chunk.choices?.[0]?.message?.content;
      if (!delta) continue;
      content += delta;
      // With a chunk size above 1 the text goes out once every that many deltas (the rest with `done`).
      if (++pending >= chunkSize) {
        pending = 0;
        send({ type: 'chat:completion', data: { content } });
      }
      scheduleSave();
    }
  } catch (err) {
    if (!signal.aborted) error = errorText(err);
  }
  // Cut by a shutdown (not by the user's stop): stored as interrupted, so it never looks complete.
  if (signal.aborted && isShutdownAbort(signal.reason)) error = INTERRUPTED_TEXT;

  const done: Record<string, unknown> = { done: true };
  if (usage) done.usage = usage;
  if (error) done.error = { content: error };
  await saveFinal(done);
  send({
    type: 'chat:completion',
    data: { content, done: true, ...(usage ? { usage } : {}), ...(error ? { error: { content: error } } : {}) },
  });
  if (input.after) {
    await input.after({ content, error, stopped: signal.aborted }).catch((err: unknown) => deps.log.warn({ chatId, err: errorText(err) }, 'after-reply tasks failed'));
  }
  send({ type: 'chat:active', data: { active: false } });
}

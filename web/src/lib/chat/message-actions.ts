import { api, ApiError, errorMessage, http, type ChatBody, type ChatMessage } from '../api';
import { plainText } from '../markdown';
import { streamCompletion } from './stream';
import { branch, latestLeaf } from './tree';
import type { chatStore as Store } from './store.svelte';

/**
 * What one can do to a message of the open chat (edit a reply, delete, continue, rate, merge the
 * side-by-side answers) and the title fallback without a socket. Each works on the store it is given.
 */
type ChatStore = typeof Store;

/** A reply's error keeps the server's own wording; the message view translates and explains it. */
export const rawError = (err: unknown) => (err instanceof ApiError ? err.message : errorMessage(err));

/** Changes the assistant's text in place (no new answer), like the original's "Edit" on a reply. */
export async function editReply(store: ChatStore, messageId: string, text: string): Promise<void> {
  const msg = store.chat.history.messages[messageId];
  if (!msg) return;
  msg.content = text;
  await store.saveChanges([messageId]);
}

/** Removes a message and everything below it; the view moves to the parent's newest branch. */
export async function deleteMessage(store: ChatStore, messageId: string): Promise<void> {
  const h = store.chat.history;
  const msg = h.messages[messageId];
  if (!msg || store.streaming) return;
  const stack = [messageId];
  while (stack.length) {
    const id = stack.pop()!;
    stack.push(...(h.messages[id]?.childrenIds ?? []));
    delete h.messages[id];
  }
  const parent = msg.parentId ? h.messages[msg.parentId] : undefined;
  if (parent) {
    parent.childrenIds = parent.childrenIds.filter((c) => c !== messageId);
    h.currentId = latestLeaf(store.chat, parent.id);
  } else {
    const roots = Object.values(h.messages).filter((m) => !m.parentId);
    h.currentId = roots.length ? latestLeaf(store.chat, roots.at(-1)!.id) : null;
  }
  await store.persist();
}

/** Asks the model to go on from where its reply ended; the text is appended to the same message. */
export async function continueReply(store: ChatStore, messageId: string): Promise<void> {
  const msg = store.chat.history.messages[messageId];
  if (!msg || msg.role !== 'assistant' || store.streaming || !msg.model) return;
  const chat = store.chat;
  const controller = new AbortController();
  store.begin(controller);
  const m = () => chat.history.messages[messageId]!;
  m().done = false;
  try {
    const history = branch(chat, messageId).map((x) => ({ role: x.role, content: x.content }));
    await streamCompletion({ model: msg.model, messages: history, params: store.requestParams() }, (delta) => (m().content += delta), controller.signal);
  } catch (err) {
    if (!controller.signal.aborted) m().error = { content: rawError(err) };
  } finally {
    m().done = true;
    store.end(controller);
    await store.saveChanges([messageId]).catch(() => {});
  }
}

/** Thumbs up (1) or down (-1), with an optional comment: saved as the original's feedback record. */
export async function rate(store: ChatStore, messageId: string, rating: number, comment?: string): Promise<void> {
  const msg = store.chat.history.messages[messageId];
  if (!msg || !store.id || store.id.startsWith('local:')) return;
  const form = {
    type: 'rating' as const,
    data: { rating, model_id: msg.model, ...(comment ? { comment } : {}) },
    meta: { chat_id: store.id, message_id: messageId },
    snapshot: { chat: store.snapshot() },
  };
  const saved = msg.feedbackId ? await api.feedback.update(msg.feedbackId, form) : await api.feedback.create(form);
  msg.feedbackId = saved.id;
  msg.annotation = { rating, ...(comment ? { comment } : {}) };
  await store.saveChanges([messageId]);
}

/** Merge Responses: the task model writes one answer from the models' answers to `parentId`. */
export async function merge(store: ChatStore, parentId: string, answers: ChatMessage[]): Promise<void> {
  const parent = store.chat.history.messages[parentId];
  const model = store.chat.models[0] ?? answers[0]?.model;
  if (!parent || !model || store.streaming) return;
  const chat = store.chat;
  const controller = new AbortController();
  store.begin(controller);
  parent.merged = { status: true, content: '' };
  const m = () => chat.history.messages[parentId]!;
  try {
    await streamCompletion(
      { model, prompt: parent.content, responses: answers.map((a) => a.content), stream: true, chat_id: store.id },
      (delta) => (m().merged!.content += delta),
      controller.signal,
      undefined,
      '/api/v1/tasks/moa/completions',
    );
  } catch (err) {
    if (!controller.signal.aborted) m().merged = { status: false, content: rawError(err) };
  } finally {
    store.end(controller);
    await store.saveChanges([parentId]).catch(() => {});
  }
}

export async function titleFromTaskModel(store: ChatStore, chat: ChatBody, slot: { id: string; model: string }): Promise<boolean> {
  const messages = branch(chat, slot.id).map((m) => ({ role: m.role, content: m.content }));
  const res = await http.post<{ choices?: Array<{ message?: { content?: string } }> }>('/api/v1/tasks/title/completions', { model: slot.model, messages, chat_id: store.id }).catch(() => null);
  const text = res?.choices?.[0]?.message?.content ?? '';
  let title = '';
  try {
    const json = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as { title?: unknown };
    if (typeof json.title === 'string') title = plainText(json.title).slice(0, 80);
  } catch {
    /* keep the question as the title */
  }
  if (title) chat.title = title;
  return Boolean(title);
}


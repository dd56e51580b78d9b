import { toolCallsForModel } from '$lib/tools/tool-calls';
import { tools } from '$lib/tools/tools.svelte';
import { imageToggle } from '$lib/media/api.svelte';
import { webSearch } from '$lib/websearch/websearch.svelte';
import { goto } from '$app/navigation';
import { api, errorMessage, type ChatBody, type ChatMessage, type Tag } from '../api';
import { plainText } from '../markdown';
import { session } from '../state/session.svelte';
import { addMessage, branch, emptyChat, latestLeaf, titleFrom, uuid } from './tree';
import { followSocketReply, socketCompletion, stopTask, streamCompletion, taskIdsForChat, type SocketResult } from './stream';
import { connectedSocketId, onChatEvent } from './realtime';
import { rememberModels } from './models';
import { sidebar } from './sidebar.svelte';
import * as actions from './message-actions';
import { rawError } from './message-actions';
import { SavedState, writeChanges } from './save';


/** Per-chat settings the Controls panel edits (stored in `chat.params`, applied by the server). */
export const PARAM_KEYS = ['temperature', 'max_tokens', 'top_p', 'seed'] as const;

/**
 * The open conversation. Lives outside the page component so a reply keeps streaming while the URL
 * changes from `/` to `/c/<id>` after the chat is first saved. Several models may answer one question
 * at once (their replies are siblings, shown side by side).
 */
class ChatStore {
  id = $state<string | null>(null);
  chat = $state<ChatBody>(emptyChat(null));
  streaming = $state(false);
  loading = $state(false);
  loadError = $state<string | null>(null);
  /** Temporary chat: nothing is saved (id `local:<uuid>`, the original's convention). Survives New Chat. */
  temporary = $state(false);
  tags = $state<Tag[]>([]);
  /** The Controls panel stays open across New Chat and the `/` -> `/c/<id>` switch. */
  controlsOpen = $state(false);
  private controllers = new Set<AbortController>();
  /** Aborted when the user leaves a chat whose reply runs as a server task: stop following, keep it running. */
  private detachers = new Set<AbortController>();
  private running = 0;
  /** Bumped by every reset/open so a slow load never overwrites the conversation chosen after it. */
  private generation = 0;
  /** What the server holds of the open chat (its leaf, its top-level keys), for saving by change. */
  private saved = new SavedState();

  messages = $derived(branch(this.chat));
  model = $derived(this.chat.models[0] ?? null);

  constructor() {
    // Results of the server's background tasks for the open chat (socket events after `done`).
    onChatEvent((ev) => {
      if (!this.id || ev.chat_id !== this.id) return;
      const { type, data } = ev.data;
      // The server saved these already. This page's saves only write the keys it changed (a message's
      // fields, merged key by key), so a save of the finished reply that lands later keeps them.
      if (type === 'chat:title' && typeof data === 'string') {
        this.chat.title = data;
        this.saved.top.set('title', JSON.stringify(data));
        void sidebar.refresh();
      } else if (type === 'chat:tags') {
        void this.loadTags();
      } else if (type === 'chat:message:follow_ups' && Array.isArray(data?.follow_ups)) {
        const msg = this.chat.history.messages[ev.message_id];
        if (msg) msg.followUps = data.follow_ups;
      }
    });
  }

  /** A reply (or merge, continue) starts / ends; `streaming` is true while any runs. Internal. */
  begin(c: AbortController): void {
    this.controllers.add(c);
    this.running++;
    this.streaming = true;
  }
  end(c: AbortController): void {
    this.controllers.delete(c);
    this.running = Math.max(0, this.running - 1);
    if (this.running === 0) this.streaming = false;
  }

  reset(): void {
    this.leave();
    this.generation++;
    this.id = null;
    this.loadError = null;
    this.tags = [];
    this.chat = emptyChat(null);
    this.chat.models = session.defaultModels();
  }

  async open(id: string): Promise<void> {
    if (this.id === id) return;
    this.leave();
    const gen = ++this.generation;
    this.loading = true;
    this.loadError = null;
    try {
      const res = await api.chats.get(id);
      if (gen !== this.generation) return;
      const chat = res.chat;
      chat.title = res.title ?? chat.title;
      chat.history ??= { messages: {}, currentId: null };
      chat.models ??= [];
      chat.params ??= {};
      this.id = id;
      this.temporary = false;
      this.saved.reset(chat);
      this.chat = chat;
      void this.loadTags();
      void this.resume(id, gen);
    } catch (err) {
      if (gen === this.generation) this.loadError = errorMessage(err);
    } finally {
      if (gen === this.generation) this.loading = false;
    }
  }

  async loadTags(): Promise<void> {
    if (!this.id || this.id.startsWith('local:')) return;
    this.tags = await api.chats.tags(this.id).catch(() => []);
  }

  /**
   * After a reload mid-reply the saved message holds the partial text; if its server task still runs,
   * follow it over the socket until done, else mark it finished.
   */
  private async resume(chatId: string, gen: number): Promise<void> {
    const chat = this.chat;
    const leafId = chat.history.currentId;
    const leaf = leafId ? chat.history.messages[leafId] : undefined;
    if (!leaf || leaf.role !== 'assistant' || leaf.done === true || chatId.startsWith('local:')) return;
    const ids = await taskIdsForChat(chatId);
    if (gen !== this.generation || this.streaming) return;
    const msg = () => chat.history.messages[leaf.id]!;
    if (!ids || ids.length === 0) {
      msg().done = true;
      return;
    }
    const taskId = ids[0]!;
    const controller = new AbortController();
    const detacher = new AbortController();
    this.begin(controller);
    this.detachers.add(detacher);
    const follow = followSocketReply({ chatId, messageId: leaf.id, initial: leaf.content, onContent: (c) => (msg().content = c) }, controller.signal);
    detacher.signal.addEventListener('abort', follow.cancel, { once: true });
    controller.signal.addEventListener(
      'abort',
      () => {
        void stopTask(taskId);
        // The server answers a stop with a final `done` event; do not wait for it forever.
        setTimeout(follow.cancel, 3000);
      },
      { once: true },
    );
    const result = await follow.result;
    this.detachers.delete(detacher);
    if (detacher.signal.aborted) return;
    await this.finishSocketReply(chat, chatId, leaf.id, result, controller.signal.aborted);
    msg().done = true;
    this.end(controller);
  }

  private async finishSocketReply(chat: ChatBody, chatId: string, messageId: string, result: SocketResult, stopped: boolean): Promise<void> {
    const msg = chat.history.messages[messageId];
    if (!msg) return;
    if (result.usage) msg.usage = result.usage;
    // A reply the user stopped is a normal end, whatever the upstream said while it was cut off.
    if (result.error && !stopped) msg.error = { content: result.error };
    if (result.ended) {
      // The final events were missed while the socket was down; the server saved the whole reply.
      const saved = await api.chats.get(chatId).catch(() => null);
      const stored = saved?.chat?.history?.messages?.[messageId];
      if (stored) {
        msg.content = stored.content;
        if (stored.error && !stopped) msg.error = stored.error;
      }
    }
  }

  /** The models of this chat; the choice is remembered for the next New Chat. */
  setModels(ids: string[]): void {
    this.chat.models = ids;
    rememberModels(ids);
  }
  setModel(id: string): void {
    this.setModels([id]);
  }

  async send(text: string, files?: Record<string, unknown>[]): Promise<void> {
    if (this.streaming || !text.trim()) return;
    const parentId = this.chat.history.currentId;
    const first = this.messages.length === 0;
    const user = addMessage(this.chat, { id: uuid(), parentId, role: 'user', content: text, models: [...this.chat.models], ...(files?.length ? { files } : {}) });
    await this.replyAll(user.id, first);
  }

  /** A new answer to the same question, kept as a sibling of the old one. */
  async regenerate(assistantId: string): Promise<void> {
    const old = this.chat.history.messages[assistantId];
    const parentId = old?.parentId;
    if (!parentId || this.streaming) return;
    await this.replyAll(parentId, false, old.model ? [old.model] : undefined, false);
  }

  /** Editing a question branches: the new text becomes a sibling and gets its own answer. */
  async edit(userId: string, text: string): Promise<void> {
    const old = this.chat.history.messages[userId];
    if (!old || this.streaming) return;
    const user = addMessage(this.chat, { id: uuid(), parentId: old.parentId, role: 'user', content: text, models: [...this.chat.models] });
    await this.replyAll(user.id, false);
  }

  // Message actions live in message-actions.ts; these keep the store's API in one place.
  editReply = (messageId: string, text: string) => actions.editReply(this, messageId, text);
  deleteMessage = (messageId: string) => actions.deleteMessage(this, messageId);
  continueReply = (messageId: string) => actions.continueReply(this, messageId);
  rate = (messageId: string, rating: number, comment?: string) => actions.rate(this, messageId, rating, comment);
  merge = (parentId: string, answers: ChatMessage[]) => actions.merge(this, parentId, answers);

  showBranch(messageId: string): void {
    this.chat.history.currentId = latestLeaf(this.chat, messageId);
    void this.saveChanges([]).catch(() => {});
  }

  stop(): void {
    for (const c of [...this.controllers]) c.abort();
  }

  /**
   * Leaving the open chat: a socket-delivered reply keeps running on the server (it saves itself and
   * is picked up again when the chat is reopened); an SSE reply cannot outlive the page's request.
   */
  private leave(): void {
    if (this.detachers.size) {
      for (const d of this.detachers) d.abort();
      this.detachers.clear();
      this.controllers.clear();
      this.running = 0;
      this.streaming = false;
    } else {
      this.stop();
    }
  }

  /** `params` for the request: the chat's Controls, with the chat's own system prompt. */
  /** `params` for a request (internal: also used by message-actions.ts). */
  requestParams(): Record<string, unknown> | undefined {
    const p = this.chat.params ?? {};
    const out: Record<string, unknown> = {};
    for (const k of PARAM_KEYS) if (p[k] !== undefined && p[k] !== null && p[k] !== '') out[k] = p[k];
    if (typeof p.system === 'string' && p.system.trim()) out.system = p.system;
    return Object.keys(out).length ? out : undefined;
  }

  /** The user's system prompt (Settings). Memories are added by the server (`features.memory`). */
  private systemPrompt(): string {
    const system = session.settings.ui?.system;
    return typeof system === 'string' ? system.trim() : '';
  }

  /**
   * Saves a new chat once (temporary chats only get their `local:` id), before replies start; in a
   * saved chat writes the messages `ids` (the question when new, the answers' placeholders).
   */
  private async ensureSaved(question: ChatMessage, ids: string[]): Promise<void> {
    if (this.id) {
      await this.saveChanges(ids);
      return;
    }
    if (this.chat.title === 'New Chat') this.chat.title = titleFrom(plainText(question.content));
    if (this.temporary) {
      this.id = `local:${uuid()}`;
      return;
    }
    const snapshot = this.snapshot();
    const created = await api.chats.create(snapshot);
    this.saved.reset(snapshot);
    this.id = created.id;
    void sidebar.refresh();
    void goto(`/c/${created.id}`, { replaceState: false, keepFocus: true, noScroll: true });
  }

  private async replyAll(parentId: string, first: boolean, only?: string[], questionNew = true): Promise<void> {
    const models = only ?? (this.chat.models.length ? [...this.chat.models] : []);
    const question = this.chat.history.messages[parentId]!;
    if (!models.length) {
      const a = addMessage(this.chat, { id: uuid(), parentId, role: 'assistant', content: '', done: true });
      a.error = { content: 'Model not found' };
      return;
    }
    // The answers appear (and the composer turns into Stop) at once, before anything is awaited.
    const chat = this.chat;
    const slots = models.map((model) => {
      const msg = addMessage(chat, { id: uuid(), parentId, role: 'assistant', content: '', model, modelName: session.models.find((m) => m.id === model)?.name ?? model, done: false });
      const controller = new AbortController();
      this.begin(controller);
      return { id: msg.id, model, controller };
    });
    const fail = (err: unknown) => {
      for (const s of slots) {
        const m = chat.history.messages[s.id]!;
        m.error = { content: rawError(err) };
        m.done = true;
        this.end(s.controller);
      }
    };
    let system = '';
    try {
      await this.ensureSaved(question, [...(questionNew ? [parentId] : []), ...slots.map((s) => s.id)]);
      system = this.systemPrompt();
    } catch (err) {
      fail(err);
      return;
    }
    const ui = session.settings.ui ?? {};
    // The original's setting names (`title.auto`, `autoTags`, `autoFollowUps`), so one settings record serves both UIs.
    const autoTitle = (ui.title as { auto?: boolean } | undefined)?.auto !== false;
    const paths = await Promise.all(
      slots.map((s, i) =>
        this.reply(chat, parentId, s.id, s.model, s.controller, system, {
          // Title and tags once per chat, from the first model's answer to the first question.
          ...(first && i === 0 && !this.temporary ? { title_generation: autoTitle, tags_generation: ui.autoTags !== false } : {}),
          ...(i === 0 ? { follow_up_generation: ui.autoFollowUps !== false } : {}),
        }),
      ),
    );
    // Without a socket the server cannot push its generated title: ask the task model from here.
    const retitled = first && paths[0] === 'sse' && !this.temporary && autoTitle && this.chat === chat && this.id ? await actions.titleFromTaskModel(this, chat, slots[0]!) : false;
    // The answers' final state; a socket reply's text is the server's (it stored it as it streamed).
    const socket = new Set(slots.filter((_, i) => paths[i] === 'socket').map((s) => s.id));
    if (this.chat === chat) await this.saveChanges(slots.map((s) => s.id), socket).catch(() => {});
    if (retitled) void sidebar.refresh();
  }

  private async reply(chat: ChatBody, parentId: string, messageId: string, model: string, controller: AbortController, system: string, backgroundTasks: Record<string, boolean>): Promise<'socket' | 'sse' | 'none'> {
    const msg = () => chat.history.messages[messageId]!;
    let detacher: AbortController | null = null;
    try {
      // Earlier replies go back with each tool call replaced by its quoted result (modules/tools).
      const history = branch(chat, parentId).map((m) => ({ role: m.role, content: m.role === 'assistant' ? toolCallsForModel(m.content) : m.content }));
      if (system) history.unshift({ role: 'system', content: system });
      // Memory, and the image toggle (issue 20): the server generates the image first, hands it back as `files`.
      const wanted = { ...(session.settings.ui?.memory === true ? { memory: true } : {}), ...(imageToggle.on ? { image_generation: true } : {}) };
      const features = Object.keys(wanted).length ? wanted : undefined;
      const question = chat.history.messages[parentId];
      const files = question?.files?.length ? ($state.snapshot(question.files) as Record<string, unknown>[]) : undefined;
      const request = { model, messages: history, chat_id: this.id ?? undefined, id: messageId, parent_id: parentId, params: this.requestParams(), background_tasks: backgroundTasks, features: webSearch.features(features), ...tools.requestFields(), ...(files ? { files } : {}) };
      const onSources = (sources: Record<string, unknown>[]) => (msg().sources = sources);
      const onFiles = (files: Record<string, unknown>[]) => (msg().files = files);
      const sessionId = connectedSocketId();
      const chatId = this.id;
      if (controller.signal.aborted) return 'none';
      if (sessionId && chatId && !chatId.startsWith('local:')) {
        detacher = new AbortController();
        this.detachers.add(detacher);
        const result = await socketCompletion({ ...request, chat_id: chatId, id: messageId }, sessionId, { onContent: (content) => (msg().content = content), onSources, onFiles, onStatus: (st) => (msg().statusHistory = [...(msg().statusHistory ?? []), st]) }, controller.signal, detacher.signal);
        if (detacher.signal.aborted) return 'none';
        await this.finishSocketReply(chat, chatId, messageId, result, controller.signal.aborted);
        return 'socket';
      }
      const result = await streamCompletion({ ...request, background_tasks: undefined }, (delta) => (msg().content += delta), controller.signal, onSources, undefined, onFiles);
      if (result.usage) msg().usage = result.usage;
      return 'sse';
    } catch (err) {
      if (!controller.signal.aborted) msg().error = { content: rawError(err) };
      return 'none';
    } finally {
      if (detacher) this.detachers.delete(detacher);
      if (!detacher?.signal.aborted) {
        msg().done = true;
        this.end(controller);
      }
    }
  }

  async rename(title: string): Promise<void> {
    this.chat.title = title;
    await this.saveChanges([]);
  }

  snapshot(): ChatBody {
    const plain = $state.snapshot(this.chat) as ChatBody;
    plain.messages = branch(plain);
    return plain;
  }

  /** Saves the whole document (what the original UI does; here for deletions and as the fallback). */
  async persist(): Promise<void> {
    if (!this.id || this.id.startsWith('local:')) return;
    const snapshot = this.snapshot();
    await api.chats.update(this.id, snapshot);
    this.saved.reset(snapshot);
  }

  /**
   * Saves what changed: the messages `ids` (new or changed), the leaf if it moved, the top-level keys
   * that changed (save.ts). A failed write falls back to saving the whole document.
   */
  async saveChanges(ids: string[], serverOwned?: ReadonlySet<string>): Promise<void> {
    const chatId = this.id;
    if (!chatId || chatId.startsWith('local:')) return;
    const chat = this.chat;
    // A plain copy of what is written only: the other messages of a big chat are not copied.
    const plain = { history: { currentId: chat.history.currentId, messages: {} } } as ChatBody;
    for (const [k, v] of Object.entries(chat)) if (k !== 'history' && k !== 'messages') (plain as unknown as Record<string, unknown>)[k] = $state.snapshot(v);
    for (const id of ids) {
      const msg = chat.history.messages[id];
      if (msg) plain.history.messages[id] = $state.snapshot(msg) as ChatMessage;
    }
    try {
      await writeChanges(chatId, plain, ids, this.saved, serverOwned);
    } catch (err) {
      if (this.id !== chatId || this.chat !== chat) throw err;
      await this.persist();
    }
  }
}

export type { ChatMessage };
export const chatStore = new ChatStore();

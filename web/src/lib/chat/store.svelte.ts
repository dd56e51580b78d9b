import { toolCallsForModel } from '$lib/tools/tool-calls';
import { tools } from '$lib/tools/tools.svelte';
import { webSearch } from '$lib/websearch/websearch.svelte';
import { goto } from '$app/navigation';
import { api, errorMessage, type ChatBody, type ChatMessage } from '../api';
import { session } from '../state/session.svelte';
import { addMessage, branch, emptyChat, latestLeaf, titleFrom, uuid } from './tree';
import { followSocketReply, socketCompletion, stopTask, streamCompletion, taskIdsForChat, type SocketResult } from './stream';
import { connectedSocketId } from './realtime';
import { sidebar } from './sidebar.svelte';

/**
 * The open conversation. Lives outside the page component so a reply keeps streaming while the URL
 * changes from `/` to `/c/<id>` after the chat is first saved.
 */
class ChatStore {
  id = $state<string | null>(null);
  chat = $state<ChatBody>(emptyChat(null));
  streaming = $state(false);
  loading = $state(false);
  loadError = $state<string | null>(null);
  private controller: AbortController | null = null;
  /** Aborted when the user leaves a chat whose reply runs as a server task: stop following, keep it running. */
  private detacher: AbortController | null = null;
  /** Bumped by every reset/open so a slow load never overwrites the conversation chosen after it. */
  private generation = 0;

  messages = $derived(branch(this.chat));
  model = $derived(this.chat.models[0] ?? null);

  reset(): void {
    this.leave();
    this.generation++;
    this.id = null;
    this.loadError = null;
    this.chat = emptyChat(session.defaultModel());
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
      this.id = id;
      this.chat = chat;
      void this.resume(id, gen);
    } catch (err) {
      if (gen === this.generation) this.loadError = errorMessage(err);
    } finally {
      if (gen === this.generation) this.loading = false;
    }
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
    this.streaming = true;
    const controller = new AbortController();
    const detacher = new AbortController();
    this.controller = controller;
    this.detacher = detacher;
    const follow = followSocketReply(
      { chatId, messageId: leaf.id, initial: leaf.content, onContent: (c) => (msg().content = c) },
      controller.signal,
    );
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
    if (this.detacher === detacher) this.detacher = null;
    if (detacher.signal.aborted) return;
    await this.finishSocketReply(chat, chatId, leaf.id, result);
    msg().done = true;
    if (this.controller === controller) this.controller = null;
    if (this.chat === chat) this.streaming = false;
  }

  private async finishSocketReply(chat: ChatBody, chatId: string, messageId: string, result: SocketResult): Promise<void> {
    const msg = chat.history.messages[messageId];
    if (!msg) return;
    if (result.usage) msg.usage = result.usage;
    if (result.error) msg.error = { content: result.error };
    if (result.ended) {
      // The final events were missed while the socket was down; the server saved the whole reply.
      const saved = await api.chats.get(chatId).catch(() => null);
      const stored = saved?.chat?.history?.messages?.[messageId];
      if (stored) {
        msg.content = stored.content;
        if (stored.error) msg.error = stored.error;
      }
    }
  }

  setModel(id: string): void {
    this.chat.models = [id];
  }

  async send(text: string, files?: Record<string, unknown>[]): Promise<void> {
    if (this.streaming || !text.trim()) return;
    const parentId = this.chat.history.currentId;
    const user = addMessage(this.chat, { id: uuid(), parentId, role: 'user', content: text, ...(files?.length ? { files } : {}) });
    await this.reply(user.id);
  }

  /** A new answer to the same question, kept as a sibling of the old one. */
  async regenerate(assistantId: string): Promise<void> {
    const parentId = this.chat.history.messages[assistantId]?.parentId;
    if (!parentId || this.streaming) return;
    await this.reply(parentId);
  }

  /** Editing a question branches: the new text becomes a sibling and gets its own answer. */
  async edit(userId: string, text: string): Promise<void> {
    const old = this.chat.history.messages[userId];
    if (!old || this.streaming) return;
    const user = addMessage(this.chat, { id: uuid(), parentId: old.parentId, role: 'user', content: text });
    await this.reply(user.id);
  }

  showBranch(messageId: string): void {
    this.chat.history.currentId = latestLeaf(this.chat, messageId);
    void this.persist();
  }

  stop(): void {
    this.controller?.abort();
    this.controller = null;
  }

  /**
   * Leaving the open chat: a socket-delivered reply keeps running on the server (it saves itself and
   * is picked up again when the chat is reopened); an SSE reply cannot outlive the page's request.
   */
  private leave(): void {
    if (this.detacher) {
      this.detacher.abort();
      this.detacher = null;
      this.controller = null;
      this.streaming = false;
    } else {
      this.stop();
    }
  }

  private async reply(parentId: string): Promise<void> {
    const model = this.model;
    const question = this.chat.history.messages[parentId]!;
    const assistant = addMessage(this.chat, {
      id: uuid(),
      parentId,
      role: 'assistant',
      content: '',
      model: model ?? undefined,
      modelName: session.models.find((m) => m.id === model)?.name ?? model ?? undefined,
      done: false,
    });
    // The conversation this reply belongs to, even if the user opens another one meanwhile.
    const chat = this.chat;
    const msg = () => chat.history.messages[assistant.id]!;
    this.streaming = true;
    const controller = new AbortController();
    this.controller = controller;
    let detacher: AbortController | null = null;
    try {
      if (!model) throw new Error('Model not found');
      if (!this.id) {
        if (this.chat.title === 'New Chat') this.chat.title = titleFrom(question.content);
        const created = await api.chats.create(this.snapshot());
        this.id = created.id;
        void sidebar.refresh();
        void goto(`/c/${created.id}`, { replaceState: false, keepFocus: true, noScroll: true });
      } else {
        await this.persist();
      }
      const history = branch(this.chat, parentId).map((m) => ({ role: m.role, content: m.role === 'assistant' ? toolCallsForModel(m.content) : m.content }));
      const system = session.settings.ui?.system;
      if (system) history.unshift({ role: 'system', content: system });
      const files = question.files?.length ? $state.snapshot(question.files) as Record<string, unknown>[] : undefined;
      const request = { model, messages: history, chat_id: this.id ?? undefined, id: assistant.id, parent_id: parentId, ...tools.requestFields(), ...webSearch.requestFields(), ...(files ? { files } : {}) };
      const onSources = (sources: Record<string, unknown>[]) => (msg().sources = sources);
      const sessionId = connectedSocketId();
      const chatId = this.id;
      if (sessionId && chatId && !chatId.startsWith('local:')) {
        detacher = new AbortController();
        this.detacher = detacher;
        const result = await socketCompletion(
          { ...request, chat_id: chatId, id: assistant.id },
          sessionId,
          { onContent: (content) => (msg().content = content), onSources, onStatus: (st) => (msg().statusHistory = [...(msg().statusHistory ?? []), st]) },
          controller.signal,
          detacher.signal,
        );
        if (detacher.signal.aborted) return;
        await this.finishSocketReply(chat, chatId, assistant.id, result);
      } else {
        const result = await streamCompletion(
          request,
          (delta) => {
            msg().content += delta;
          },
          controller.signal,
          onSources,
        );
        if (result.usage) msg().usage = result.usage;
      }
    } catch (err) {
      msg().error = { content: errorMessage(err) };
    } finally {
      if (this.detacher === detacher) this.detacher = null;
      if (!detacher?.signal.aborted) {
        msg().done = true;
        if (this.controller === controller) this.controller = null;
        if (this.chat === chat) {
          this.streaming = false;
          await this.persist().catch(() => {});
        }
      }
    }
  }

  async rename(title: string): Promise<void> {
    this.chat.title = title;
    await this.persist();
  }

  private snapshot(): ChatBody {
    const plain = $state.snapshot(this.chat) as ChatBody;
    plain.messages = branch(plain);
    return plain;
  }

  async persist(): Promise<void> {
    if (!this.id) return;
    await api.chats.update(this.id, this.snapshot());
  }
}

export type { ChatMessage };
export const chatStore = new ChatStore();

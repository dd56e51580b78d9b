import { goto } from '$app/navigation';
import { api, errorMessage, type ChatBody, type ChatMessage } from '../api';
import { session } from '../state/session.svelte';
import { addMessage, branch, emptyChat, latestLeaf, titleFrom, uuid } from './tree';
import { streamCompletion } from './stream';
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
  /** Bumped by every reset/open so a slow load never overwrites the conversation chosen after it. */
  private generation = 0;

  messages = $derived(branch(this.chat));
  model = $derived(this.chat.models[0] ?? null);

  reset(): void {
    this.stop();
    this.generation++;
    this.id = null;
    this.loadError = null;
    this.chat = emptyChat(session.defaultModel());
  }

  async open(id: string): Promise<void> {
    if (this.id === id) return;
    this.stop();
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
    } catch (err) {
      if (gen === this.generation) this.loadError = errorMessage(err);
    } finally {
      if (gen === this.generation) this.loading = false;
    }
  }

  setModel(id: string): void {
    this.chat.models = [id];
  }

  async send(text: string): Promise<void> {
    if (this.streaming || !text.trim()) return;
    const parentId = this.chat.history.currentId;
    const user = addMessage(this.chat, { id: uuid(), parentId, role: 'user', content: text });
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
    const msg = () => this.chat.history.messages[assistant.id]!;
    this.streaming = true;
    const controller = new AbortController();
    this.controller = controller;
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
      const history = branch(this.chat, parentId).map((m) => ({ role: m.role, content: m.content }));
      const system = session.settings.ui?.system;
      if (system) history.unshift({ role: 'system', content: system });
      const result = await streamCompletion(
        { model, messages: history, chat_id: this.id ?? undefined, id: assistant.id, parent_id: parentId },
        (delta) => {
          msg().content += delta;
        },
        controller.signal,
      );
      if (result.usage) msg().usage = result.usage;
    } catch (err) {
      msg().error = { content: errorMessage(err) };
    } finally {
      msg().done = true;
      if (this.controller === controller) this.controller = null;
      this.streaming = false;
      await this.persist().catch(() => {});
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

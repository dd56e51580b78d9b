import type { ChatBody, ChatMessage } from '../api/types';

/** Helpers over the original's chat JSON: a message tree (`history`) plus the current branch flattened (`messages`). */

export const uuid = (): string =>
  typeof crypto.randomUUID === 'function'
    ? crypto.randomUUID()
    : 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
        const r = (Math.random() * 16) | 0;
        return (c === 'x' ? r : (r & 0x3) | 0x8).toString(16);
      });

export const now = (): number => Math.floor(Date.now() / 1000);

export function emptyChat(model: string | null): ChatBody {
  return {
    title: 'New Chat',
    models: model ? [model] : [],
    params: {},
    history: { messages: {}, currentId: null },
    messages: [],
    tags: [],
    files: [],
    timestamp: Date.now(),
  };
}

/** Root-to-leaf path ending at `leafId`. */
export function branch(chat: ChatBody, leafId: string | null = chat.history.currentId): ChatMessage[] {
  const out: ChatMessage[] = [];
  const seen = new Set<string>();
  let id = leafId;
  while (id && chat.history.messages[id] && !seen.has(id)) {
    seen.add(id);
    out.unshift(chat.history.messages[id]!);
    id = chat.history.messages[id]!.parentId;
  }
  return out;
}

export function addMessage(chat: ChatBody, msg: Omit<ChatMessage, 'childrenIds' | 'timestamp'> & Partial<ChatMessage>): ChatMessage {
  const m: ChatMessage = { childrenIds: [], timestamp: now(), ...msg } as ChatMessage;
  chat.history.messages[m.id] = m;
  if (m.parentId) {
    const parent = chat.history.messages[m.parentId];
    if (parent && !parent.childrenIds.includes(m.id)) parent.childrenIds.push(m.id);
  }
  chat.history.currentId = m.id;
  return m;
}

/** Deepest leaf under `id`, following the last child each time (the most recent branch). */
export function latestLeaf(chat: ChatBody, id: string): string {
  let cur = id;
  for (;;) {
    const kids = chat.history.messages[cur]?.childrenIds ?? [];
    if (!kids.length) return cur;
    cur = kids[kids.length - 1]!;
  }
}

/** Ids of the message's siblings (itself included), in creation order. */
export function siblings(chat: ChatBody, msg: ChatMessage): string[] {
  if (msg.parentId) return chat.history.messages[msg.parentId]?.childrenIds ?? [msg.id];
  return Object.values(chat.history.messages)
    .filter((m) => m.parentId === null)
    .map((m) => m.id);
}

export function titleFrom(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 50 ? `${t.slice(0, 50)}…` : t || 'New Chat';
}

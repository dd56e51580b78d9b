import { api, type ChatBody, type ChatMessage, type MessageWrite } from '../api';

/**
 * Saving the open chat by what changed: each new or changed message is one message write
 * (`POST /chats/{id}/messages/{message_id}`, answered with ids only), the leaf moves with the write
 * of the message that is the leaf (or one `{current: true}` write), and top-level keys (title,
 * models, params…) go as a patch of just those keys. A 30 MB chat then costs the server a few small
 * rows per message instead of receiving, parsing and storing 30 MB. When a write fails, the whole
 * document is saved (the original UI's only way, which the server keeps).
 */

/** Keys of a node the write carries outside `fields` (or the server links itself). */
const TREE_KEYS = new Set(['id', 'parentId', 'childrenIds', 'role', 'content']);
/** Top-level keys that are the tree (saved as messages) or derived from it. */
const TREE_TOP = new Set(['history', 'messages']);

/** The write of one (plain, not reactive) message; `withContent` false leaves the text to the server. */
export function messageWrite(msg: ChatMessage, current: boolean, withContent = true): MessageWrite {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(msg)) if (!TREE_KEYS.has(k) && v !== undefined) fields[k] = v;
  return { role: msg.role, parentId: msg.parentId, ...(withContent ? { content: msg.content } : {}), fields, current };
}

/** Each top-level key that is not the tree, as JSON text (to tell which changed). */
export function topLevel(chat: ChatBody): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(chat)) if (!TREE_TOP.has(k) && v !== undefined) out.set(k, JSON.stringify(v));
  return out;
}

/** What the server holds of the open chat, as far as this page knows: its leaf and top-level keys. */
export class SavedState {
  leaf: string | null = null;
  top = new Map<string, string>();

  /** After a load or a whole-document save of `chat` (a plain snapshot). */
  reset(chat: ChatBody): void {
    this.leaf = chat.history.currentId;
    this.top = topLevel(chat);
  }

  /** The top-level keys that changed since, as a patch (null: none). */
  topPatch(chat: ChatBody): Record<string, unknown> | null {
    const now = topLevel(chat);
    const patch: Record<string, unknown> = {};
    let changed = false;
    for (const [k, text] of now) {
      if (this.top.get(k) === text) continue;
      patch[k] = JSON.parse(text) as unknown;
      changed = true;
    }
    return changed ? patch : null;
  }
}

/**
 * Writes the messages `ids` of `chat` (a plain snapshot) into the stored chat `chatId`, then the leaf
 * and the top-level changes. `serverOwned`: replies the server stores itself while they stream (the
 * socket path): their text is left to it, so a late write from this page never clobbers it.
 * Throws when a write fails (the caller saves the whole document then).
 */
export async function writeChanges(chatId: string, chat: ChatBody, ids: string[], saved: SavedState, serverOwned: ReadonlySet<string> = new Set()): Promise<void> {
  // Decided before anything is awaited: a key the server sets meanwhile (a generated title arriving as
  // an event while the messages are written) must not be sent back with this snapshot's older value.
  const patch = saved.topPatch(chat);
  const leaf = chat.history.currentId;
  for (const id of ids) {
    const msg = chat.history.messages[id];
    if (msg) await api.chats.writeMessage(chatId, id, messageWrite(msg, id === leaf, !serverOwned.has(id)));
  }
  if (leaf && leaf !== saved.leaf && !ids.includes(leaf)) await api.chats.writeMessage(chatId, leaf, { current: true });
  saved.leaf = leaf;
  if (patch) {
    await api.chats.update(chatId, patch);
    for (const [k, v] of Object.entries(patch)) saved.top.set(k, JSON.stringify(v));
  }
}

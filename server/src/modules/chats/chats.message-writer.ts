import { randomUUID } from 'node:crypto';
import type { ChatsRepository } from './chats.repository.js';
import { titleOf, upsertMessage, type JsonObject, type MessageUpsert } from './chats.history.js';
import { spliceMessage } from './chats.doc-splice.js';

/** Runs tasks for the same key one after another (read-modify-write of one chat row). */
export class KeyedLock {
  #tails = new Map<string, Promise<unknown>>();
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    const next = prev.then(task, task);
    const tail = next.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return next;
  }
}

type Doc = string | Buffer;

interface Template {
  /** Exactly what we last stored for the chat (text, or UTF-8 bytes on SQLite). */
  doc: Doc;
  messageId: string;
  title: string;
  content: string;
  /** Stored document = before + JSON string of the content + after. */
  before: Doc;
  after: Doc;
}

const sameDoc = (a: Doc, b: Doc) => (typeof a === 'string' ? a === b : typeof b !== 'string' && a.equals(b));
const joinDoc = (before: Doc, middle: string, after: Doc): Doc =>
  typeof before === 'string' ? before + middle + (after as string) : Buffer.concat([before, Buffer.from(middle), after as Buffer]);

const MAX_TEMPLATES = 64;

/**
 * Writes one message of a chat, cheaply enough to call on every streamed chunk batch. The first call
 * parses the chat, applies the change and remembers the stored text split around that message's
 * content; later calls for the same message, while the stored text is still what we wrote, rebuild
 * the text by concatenation instead of parsing and serialising the whole history again. The row is
 * always re-read, so an edit made meanwhile (another request, another instance) is never lost: it
 * just sends us down the parsing path once.
 */
export class MessageWriter {
  #templates = new Map<string, Template>();

  constructor(
    private readonly repo: ChatsRepository,
    private readonly lock: KeyedLock,
  ) {}

  /** Returns the message's new content, or null when the chat does not exist (or is not `userId`'s). */
  write(chatId: string, up: MessageUpsert, userId?: string): Promise<string | null> {
    return this.lock.run(chatId, async () => {
      const row = await this.repo.chatDoc(chatId, userId);
      if (!row) {
        this.#templates.delete(chatId);
        return null;
      }
      const now = Math.floor(Date.now() / 1000);
      const t = this.#templates.get(chatId);
      if (t && !up.fields && up.content !== undefined && t.messageId === up.messageId && sameDoc(t.doc, row.chat)) {
        const content = up.mode === 'append' ? t.content + up.content : up.content;
        const doc = joinDoc(t.before, JSON.stringify(content), t.after);
        await this.repo.updateChatDoc(chatId, doc, t.title, now);
        this.#remember(chatId, { ...t, doc, content });
        return content;
      }

      // Big chats: edit the stored text around the one message instead of parsing all of it.
      const spliced = spliceMessage(row.chat, up, now);
      if (spliced) {
        await this.repo.updateChatDoc(chatId, spliced.doc, spliced.title, now);
        if (up.fields?.done === true) this.#templates.delete(chatId);
        else this.#remember(chatId, { ...spliced, messageId: up.messageId });
        return spliced.content;
      }

      const bytes = typeof row.chat !== 'string';
      const chat = JSON.parse(bytes ? (row.chat as Buffer).toString('utf8') : (row.chat as string)) as JsonObject;
      const message = upsertMessage(chat, up, now);
      const content = typeof message.content === 'string' ? message.content : '';
      const title = titleOf(chat);
      const marker = `\u0001owui-${randomUUID()}`;
      message.content = marker;
      const withMarker = JSON.stringify(chat);
      message.content = content;
      const quoted = JSON.stringify(marker);
      const at = withMarker.indexOf(quoted);
      const before: Doc = bytes ? Buffer.from(withMarker.slice(0, at)) : withMarker.slice(0, at);
      const after: Doc = bytes ? Buffer.from(withMarker.slice(at + quoted.length)) : withMarker.slice(at + quoted.length);
      const doc = joinDoc(before, JSON.stringify(content), after);
      await this.repo.updateChatDoc(chatId, doc, title, now);
      if (up.fields?.done === true) this.#templates.delete(chatId);
      else this.#remember(chatId, { doc, messageId: up.messageId, title, content, before, after });
      return content;
    });
  }

  /** Drops what is remembered about a chat (stream finished or chat deleted). */
  forget(chatId: string): void {
    this.#templates.delete(chatId);
  }

  #remember(chatId: string, t: Template): void {
    this.#templates.delete(chatId);
    this.#templates.set(chatId, t);
    if (this.#templates.size > MAX_TEMPLATES) {
      const oldest = this.#templates.keys().next().value;
      if (oldest !== undefined) this.#templates.delete(oldest);
    }
  }
}

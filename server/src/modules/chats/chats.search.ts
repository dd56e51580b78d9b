import { sql } from 'kysely';
import type { ChatTitleIdResponse } from '@owui/contracts';
import { tagIdFromName } from '@owui/contracts';
import { likePattern, type ChatsRepository } from './chats.repository.js';
import { stripNul } from './chats.history.js';
import { byChatDate } from './chats.list-order.js';

export interface ParsedSearch {
  text: string;
  tagIds: string[];
}

/** `"tag:work budget q3"` -> tags ["work"], text "budget q3" (lowercased, like the original). */
export function parseSearch(raw: string): ParsedSearch {
  const words = stripNul(raw).toLowerCase().split(' ');
  const tagIds: string[] = [];
  const rest: string[] = [];
  for (const w of words) {
    if (w.startsWith('tag:')) {
      const id = tagIdFromName(w.slice(4));
      if (id) tagIds.push(id);
    } else rest.push(w);
  }
  return { text: rest.join(' ').trim(), tagIds };
}

function messageTexts(chat: unknown): string[] {
  const out: string[] = [];
  if (!chat || typeof chat !== 'object') return out;
  const c = chat as { messages?: unknown; history?: { messages?: unknown } };
  const push = (m: unknown) => {
    const content = (m as { content?: unknown } | null)?.content;
    if (typeof content === 'string') out.push(content);
  };
  if (Array.isArray(c.messages)) c.messages.forEach(push);
  if (c.history?.messages && typeof c.history.messages === 'object') Object.values(c.history.messages).forEach(push);
  return out;
}

/**
 * Chats whose title or any message contains the text, carrying every requested tag (`tag:none`:
 * no tag at all). SQL narrows the candidates with LIKE over the title and the raw JSON (where the
 * text appears JSON-escaped); a chat matched only through its JSON is confirmed by reading its
 * messages, so words like "role" or "content" do not match every chat.
 */
export async function searchChats(repo: ChatsRepository, userId: string, raw: string, skip: number, limit: number): Promise<ChatTitleIdResponse[]> {
  const { text, tagIds } = parseSearch(raw);
  let q = repo.k
    .selectFrom('chat')
    .select(['id', 'title', 'updated_at', 'created_at'])
    .where('user_id', '=', userId)
    .where('archived', '=', false);
  for (const tagId of tagIds) {
    q =
      tagId === 'none'
        ? q.where(sql<boolean>`not exists (select 1 from chat_tag ct where ct.chat_id = chat.id)`)
        : q.where(sql<boolean>`exists (select 1 from chat_tag ct where ct.chat_id = chat.id and ct.tag_id = ${tagId})`);
  }
  if (!text) {
    return byChatDate(repo.k, repo.overlay, q, { skip, limit }, { tieById: true });
  }
  const escaped = JSON.stringify(text).slice(1, -1);
  const candidates = await q
    .select(repo.contains('title', text).as('title_hit'))
    // Messages not yet folded into the document are searched in their overlay rows (same JSON escaping).
    .where((eb) => eb.or([repo.contains('title', text), repo.contains('chat', escaped), repo.overlay.containsFilter('chat.id', likePattern(escaped))]))
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'asc')
    .execute();
  // Dated and ordered like the lists: a message write dates its chat through its overlay rows.
  const latest = await repo.overlay.latestWrites(repo.k, candidates.map((c) => c.id));
  if (latest.size) {
    for (const c of candidates) c.updated_at = Math.max(Number(c.updated_at), latest.get(c.id) ?? 0);
    candidates.sort((a, b) => Number(b.updated_at) - Number(a.updated_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  const out: ChatTitleIdResponse[] = [];
  let matched = 0;
  for (const c of candidates) {
    let hit = Boolean(c.title_hit) || c.title.toLowerCase().includes(text);
    if (!hit) {
      const row = await repo.chatText(c.id);
      try {
        hit = Boolean(row) && messageTexts(JSON.parse(row!.chat)).some((m) => m.toLowerCase().includes(text));
      } catch {
        hit = false;
      }
    }
    if (!hit) continue;
    if (matched++ < skip) continue;
    out.push({ id: c.id, title: c.title, updated_at: Number(c.updated_at), created_at: Number(c.created_at) });
    if (out.length >= limit) break;
  }
  return out;
}

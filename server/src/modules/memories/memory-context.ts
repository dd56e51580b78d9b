import type { ChatCompletionRequest, UserModel } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { MemoriesRepository, rankMemories } from './memories.repository.js';

/** How many memories go with a question, like the original. */
const TOP_K = 3;

function lastUserText(messages: ChatCompletionRequest['messages']): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as { role?: string; content?: unknown };
    if (m.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) {
      const part = m.content.find((p) => (p as { type?: string }).type === 'text') as { text?: string } | undefined;
      return part?.text ?? '';
    }
  }
  return '';
}

/**
 * The chat step behind `features.memory` (Settings > Personalization > Memory): the user's memories
 * closest to the question are added to the system message as "User Context", as the original does.
 * Without the flag, or without memories, the body is returned unchanged.
 */
export async function withMemories(ctx: AppContext, body: ChatCompletionRequest, user: UserModel): Promise<ChatCompletionRequest> {
  const features = body.features as { memory?: unknown } | null | undefined;
  if (!features || features.memory !== true) return body;
  const all = await new MemoriesRepository(ctx.db).list(user.id);
  if (!all.length) return body;
  const hits = rankMemories(all, lastUserText(body.messages), TOP_K);
  const lines = hits.map((h, i) => `${i + 1}. [${new Date(h.memory.created_at * 1000).toISOString().slice(0, 10)}] ${h.memory.content}`).join('\n');
  const context = `User Context:\n${lines}\n`;
  const messages = [...body.messages];
  const first = messages[0] as { role?: string; content?: unknown } | undefined;
  if (first?.role === 'system' && typeof first.content === 'string') messages[0] = { ...first, content: `${first.content}\n${context}` } as (typeof messages)[number];
  else messages.unshift({ role: 'system', content: context } as (typeof messages)[number]);
  return { ...body, messages };
}

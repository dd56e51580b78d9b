import type { ChatCompletionRequest, UserModel } from '@owui/contracts';

type Message = ChatCompletionRequest['messages'][number];

/**
 * The default of QUERY_GENERATION_PROMPT_TEMPLATE (task.query.prompt_template): Open WebUI 0.6.34's
 * prompt, kept word for word because deployments tune their task models against it.
 */
export const DEFAULT_QUERY_GENERATION_PROMPT_TEMPLATE = `### Task:
Analyze the chat history to determine the necessity of generating search queries, in the given language. By default, **prioritize generating 1-3 broad and relevant search queries** unless it is absolutely certain that no additional information is required. The aim is to retrieve comprehensive, updated, and valuable information even with minimal uncertainty. If no search is unequivocally needed, return an empty list.

### Guidelines:
- Respond **EXCLUSIVELY** with a JSON object. Any form of extra commentary, explanation, or additional text is strictly prohibited.
- When generating search queries, respond in the format: { "queries": ["query1", "query2"] }, ensuring each query is distinct, concise, and relevant to the topic.
- If and only if it is entirely certain that no useful results can be retrieved by a search, return: { "queries": [] }.
- Err on the side of suggesting search queries if there is **any chance** they might provide useful or updated information.
- Be concise and focused on composing high-quality search queries, avoiding unnecessary elaboration, commentary, or assumptions.
- Today's date is: {{CURRENT_DATE}}.
- Always prioritize providing actionable and broad queries that maximize informational coverage.

### Output:
Strictly return in JSON format: 
{
  "queries": ["query1", "query2"]
}

### Chat History:
<chat_history>
{{MESSAGES:END:6}}
</chat_history>
`;

export function messageText(m: Message): string {
  if (typeof m.content === 'string') return m.content;
  if (Array.isArray(m.content)) {
    return m.content.map((p) => (p && typeof p === 'object' && (p as { type?: unknown }).type === 'text' ? String((p as { text?: unknown }).text ?? '') : '')).join('\n');
  }
  return '';
}

export function lastUserMessage(messages: Message[]): string {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.role === 'user') return messageText(messages[i]!);
  return '';
}

const lines = (messages: Message[]) => messages.map((m) => `${String(m.role).toUpperCase()}: ${messageText(m)}`).join('\n');

/** The original's template variables for task prompts: {{prompt}}, {{MESSAGES...}}, dates, user name. */
export function fillQueryTemplate(template: string, messages: Message[], user: UserModel, now = new Date()): string {
  const prompt = lastUserMessage(messages);
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
  return template
    .replace(/{{prompt}}|{{prompt:start:(\d+)}}|{{prompt:end:(\d+)}}/g, (_m, s?: string, e?: string) => (s ? prompt.slice(0, Number(s)) : e ? prompt.slice(-Number(e)) : prompt))
    .replace(/{{MESSAGES}}|{{MESSAGES:START:(\d+)}}|{{MESSAGES:END:(\d+)}}|{{MESSAGES:MIDDLETRUNCATE:(\d+)}}/g, (_m, s?: string, e?: string, mid?: string) => {
      if (s) return lines(messages.slice(0, Number(s)));
      if (e) return lines(messages.slice(-Number(e)));
      if (mid) {
        const n = Number(mid);
        if (messages.length <= n) return lines(messages);
        return lines([...messages.slice(0, Math.ceil(n / 2)), ...messages.slice(messages.length - Math.floor(n / 2))]);
      }
      return lines(messages);
    })
    .replace(/{{CURRENT_DATE}}/g, date)
    .replace(/{{CURRENT_TIME}}/g, time)
    .replace(/{{CURRENT_DATETIME}}/g, `${date} ${time}`)
    .replace(/{{USER_NAME}}/g, user.name ?? 'Unknown');
}

/**
 * The task model's answer to queries: the JSON object's `queries` (an empty list: no search needed),
 * else the whole answer as one query, as the original; null for a blank answer.
 */
export function parseQueries(answer: string): string[] | null {
  const start = answer.indexOf('{');
  const end = answer.lastIndexOf('}');
  if (start !== -1 && end > start) {
    try {
      const v = JSON.parse(answer.slice(start, end + 1)) as { queries?: unknown };
      if (Array.isArray(v.queries)) return v.queries.filter((q): q is string => typeof q === 'string').map((q) => q.trim()).filter(Boolean).slice(0, 8);
      return [];
    } catch {
      /* not JSON: below */
    }
  }
  return answer.trim() ? [answer.trim()] : null;
}

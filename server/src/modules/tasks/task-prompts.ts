/**
 * Prompt templates of the task model (title, tags, follow-ups). An admin's template
 * (TITLE_GENERATION_PROMPT_TEMPLATE, ...) replaces the default; both use the original's variables:
 * `{{MESSAGES}}`, `{{MESSAGES:START:n}}`, `{{MESSAGES:END:n}}`, `{{MESSAGES:MIDDLETRUNCATE:n}}`,
 * `{{USER_NAME}}`, `{{CURRENT_DATE}}`, `{{CURRENT_DATETIME}}`, and ask for the same JSON answers
 * (`{"title"}`, `{"tags"}`, `{"follow_ups"}`) so a template written for the original works unchanged.
 * The default wording is our own.
 */
export type TaskKind = 'title' | 'tags' | 'follow_up';

export const DEFAULT_TEMPLATES: Record<TaskKind, string> = {
  title: `### Task:
Write a short title (3 to 5 words, may start with one fitting emoji) for the conversation below.
### Rules:
- Name the main subject of the conversation.
- Use the conversation's main language (English when mixed).
- No quotes, no markdown.
- Answer with one raw JSON object and nothing else: no code fences, no explanation.
### Output:
JSON format: { "title": "the title" }
### Chat History:
<chat_history>
{{MESSAGES:END:2}}
</chat_history>`,
  tags: `### Task:
Give 1 to 3 broad category tags for the conversation below (for example Science, Technology, Health,
Business, Arts, Education), plus up to 3 narrower topic tags when the conversation clearly has them.
### Rules:
- A very short or scattered conversation gets only ["General"].
- Use the conversation's main language (English when mixed).
- Answer with one raw JSON object and nothing else.
### Output:
JSON format: { "tags": ["tag1", "tag2", "tag3"] }
### Chat History:
<chat_history>
{{MESSAGES:END:6}}
</chat_history>`,
  follow_up: `### Task:
Propose 3 to 5 short questions the user could ask next, written as the user speaking to the assistant,
that continue or deepen the conversation below without repeating what it already covered.
### Rules:
- Keep each question brief and on topic; for a vague conversation, suggest useful general next steps.
- Use the conversation's main language (English when mixed).
- Answer with one raw JSON object and nothing else.
### Output:
JSON format: { "follow_ups": ["Question 1?", "Question 2?", "Question 3?"] }
### Chat History:
<chat_history>
{{MESSAGES:END:6}}
</chat_history>`,
};

/** Merge Responses (several models answered one question): one answer from all of them. */
export const DEFAULT_MOA_TEMPLATE = `You were given several answers to the same question, written by different models.
Write one answer that keeps what is correct and useful in them, fixes what is wrong, and leaves out repetition.
Answer the question directly; do not mention that there were several answers.

Question: "{{prompt}}"

Answers:
{{responses}}`;

/** The original's MoA variables: `{{prompt}}` (also `:start:n`, `:end:n`, `:middletruncate:n`) and `{{responses}}`. */
export function renderMoaTemplate(template: string, prompt: string, responses: string[]): string {
  const out = template.replace(/{{prompt}}|{{prompt:start:(\d+)}}|{{prompt:end:(\d+)}}|{{prompt:middletruncate:(\d+)}}/g, (all, start?: string, end?: string, mid?: string) => {
    if (all === '{{prompt}}') return prompt;
    if (start) return prompt.slice(0, Number(start));
    if (end) return prompt.slice(-Number(end));
    const n = Number(mid);
    return prompt.length <= n ? prompt : `${prompt.slice(0, Math.ceil(n / 2))}...${prompt.slice(prompt.length - Math.floor(n / 2))}`;
  });
  return out.replace('{{responses}}', responses.map((r) => `"""${r}"""`).join('\n\n'));
}

export interface PromptMessage {
  role: string;
  content: unknown;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const part = content.find((p) => p && typeof p === 'object' && (p as { type?: unknown }).type === 'text') as { text?: unknown } | undefined;
    return typeof part?.text === 'string' ? part.text : '';
  }
  return '';
}

/** `ROLE: text` lines, like the original's messages rendering. */
export function renderMessages(messages: PromptMessage[]): string {
  return messages.map((m) => `${String(m.role).toUpperCase()}: ${textOf(m.content)}`).join('\n');
}

export function renderTemplate(template: string, messages: PromptMessage[], user: { name: string }, now = new Date()): string {
  const out = template.replace(/{{MESSAGES}}|{{MESSAGES:START:(\d+)}}|{{MESSAGES:END:(\d+)}}|{{MESSAGES:MIDDLETRUNCATE:(\d+)}}/g, (all, start?: string, end?: string, mid?: string) => {
    if (all === '{{MESSAGES}}') return renderMessages(messages);
    if (start) return renderMessages(messages.slice(0, Number(start)));
    if (end) return renderMessages(messages.slice(-Number(end)));
    const n = Number(mid);
    if (messages.length <= n) return renderMessages(messages);
    const half = Math.floor(n / 2);
    return `${renderMessages(messages.slice(0, half))}\n${renderMessages(messages.slice(-(n - half)))}`;
  });
  const date = now.toISOString().slice(0, 10);
  return out
    .replaceAll('{{USER_NAME}}', user.name)
    .replaceAll('{{CURRENT_DATE}}', date)
    .replaceAll('{{CURRENT_DATETIME}}', `${date} ${now.toISOString().slice(11, 19)}`);
}

/**
 * The JSON object inside a model's answer: from the first `{` to the last `}`, as the original does
 * (models often wrap it in prose or code fences). Null when there is none or it does not parse.
 */
export function extractJson(text: string): Record<string, unknown> | null {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return null;
  try {
    const v: unknown = JSON.parse(text.slice(start, end + 1));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Removes the markup a title must not carry (markdown emphasis, headings, code ticks, links) and caps its length. */
export function cleanTitle(raw: string): string {
  const t = raw
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*_~#>]+/g, '')
    .replace(/^["'\s]+|["'\s]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return t.length > 80 ? `${t.slice(0, 80)}…` : t;
}

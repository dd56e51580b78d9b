/**
 * The prompt that carries retrieved passages. Same placeholders and citation contract as the original
 * (`{{CONTEXT}}`/`[context]`, `{{QUERY}}`/`[query]`, `<source id="n">` tags the model cites as [n]);
 * our own wording. RAG_TEMPLATE replaces it.
 */
export const DEFAULT_RAG_TEMPLATE = `### Task
Answer the user's question using the context below. When a statement comes from a <source> that has an id attribute, cite it inline as [id], for example [1]. Do not cite sources without an id.

### Rules
- If the context does not contain the answer, say so; you may then answer from general knowledge, making clear that you are doing so.
- If the question is unclear, ask for clarification.
- Answer in the language of the question.
- Do not reproduce XML tags in the answer.

<context>
{{CONTEXT}}
</context>

<user_query>
{{QUERY}}
</user_query>
`;

/** Fills the template: the query goes in last so text inside the context cannot smuggle a placeholder. */
export function fillRagTemplate(template: string, context: string, query: string): string {
  const t = template.trim() === '' ? DEFAULT_RAG_TEMPLATE : template;
  const marker = `\u0000QUERY${Math.random().toString(36).slice(2)}\u0000`;
  return t
    .replaceAll('[query]', marker)
    .replaceAll('{{QUERY}}', marker)
    .replaceAll('[context]', () => context)
    .replaceAll('{{CONTEXT}}', () => context)
    .replaceAll(marker, () => query);
}

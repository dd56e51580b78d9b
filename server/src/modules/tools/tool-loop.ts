import type { ResolvedTool, ToolResult, ToolSet } from './tool-set.js';

/**
 * Native function calling: offer the tools, run the model, execute the tool calls it makes, feed the
 * results back, again, at most `maxRounds` times. Output is a stream of OpenAI chunk objects:
 * the model's text as it comes, and after each executed round one content delta holding the original's
 * `<details type="tool_calls" done="true" ...>` blocks, so the saved reply shows the calls with their
 * arguments and results. With `events` on (socket delivery), `{event}` objects carry status updates.
 */

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface LoopOptions {
  maxRounds: number;
  /** The client went away: no further rounds or tool calls. */
  signal?: AbortSignal;
  /** Emit `{event: {type: 'status', ...}}` items (the socket path forwards them; HTTP does not). */
  events: boolean;
}

/** One model call with these messages and tools; yields OpenAI chunk objects. */
export type RoundFn = (messages: Json[], tools: Json[]) => AsyncIterable<Json>;

const escapeAttr = (s: string) => s.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll("'", '&#x27;');

/** The original's serialisation of one executed call (attribute values are JSON, HTML-escaped). */
export function toolCallBlock(call: ToolCall, result: ToolResult): string {
  return (
    `<details type="tool_calls" done="true" id="${escapeAttr(call.id)}" name="${escapeAttr(call.name)}" ` +
    `arguments="${escapeAttr(JSON.stringify(call.arguments))}" result="${escapeAttr(JSON.stringify(result.content))}" files="" embeds="${escapeAttr('""')}">\n` +
    `<summary>Tool Executed</summary>\n</details>\n`
  );
}

function runningBlock(call: ToolCall): string {
  return `<details type="tool_calls" done="false" id="${escapeAttr(call.id)}" name="${escapeAttr(call.name)}" arguments="${escapeAttr(JSON.stringify(call.arguments))}">\n<summary>Executing...</summary>\n</details>\n`;
}

/** Folds streamed tool-call pieces (OpenAI deltas, or whole calls translated from Ollama) into calls. */
function accumulate(calls: (ToolCall & { index: number })[], pieces: unknown[]): void {
  for (const piece of pieces) {
    if (!isObj(piece)) continue;
    const fn = isObj(piece.function) ? piece.function : {};
    const index = typeof piece.index === 'number' ? piece.index : calls.length;
    const id = typeof piece.id === 'string' && piece.id ? piece.id : undefined;
    let entry = calls.find((c) => c.index === index && (!id || !c.id || c.id === id));
    if (!entry) calls.push((entry = { index, id: id ?? '', name: '', arguments: '' }));
    if (id) entry.id = id;
    if (typeof fn.name === 'string') entry.name += fn.name;
    if (typeof fn.arguments === 'string') entry.arguments += fn.arguments;
    else if (isObj(fn.arguments)) entry.arguments += JSON.stringify(fn.arguments);
  }
}

function parseArgs(raw: string): Json | null {
  if (raw.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(raw);
    return isObj(v) ? v : null;
  } catch {
    return null;
  }
}

async function execute(tool: ResolvedTool | undefined, call: ToolCall): Promise<ToolResult> {
  if (!tool) return { content: JSON.stringify({ error: `Tool ${call.name} not found` }), error: true };
  const args = parseArgs(call.arguments);
  if (!args) return { content: JSON.stringify({ error: 'The tool call arguments are not a JSON object' }), error: true };
  return tool.call(args);
}

const status = (description: string, done: boolean, extra: Json = {}) => ({ event: { type: 'status', data: { description, done, ...extra } } });

export async function* runToolLoop(messagesIn: Json[], set: ToolSet, round: RoundFn, opts: LoopOptions): AsyncGenerator<Json> {
  const offered = [...set.tools.values()].map((t) => ({ type: 'function', function: t.spec }));
  const messages = [...messagesIn];
  if (opts.events) for (const p of set.problems) yield status(`Tool server unavailable: ${p}`, true, { action: 'tool_server', error: true });
  let executedRounds = 0;
  let meta: Json = { object: 'chat.completion.chunk' };
  // Everything this loop has yielded as content: the socket path's whole-text events are built on it.
  let produced = '';
  try {
    for (;;) {
      const calls: (ToolCall & { index: number })[] = [];
      let text = '';
      if (opts.signal?.aborted) return;
      for await (const chunk of round(messages, offered)) {
        if (chunk.error) {
          yield chunk;
          return;
        }
        meta = { id: chunk.id, object: 'chat.completion.chunk', created: chunk.created, model: chunk.model };
        const choice = Array.isArray(chunk.choices) && isObj(chunk.choices[0]) ? chunk.choices[0] : null;
        // An upstream that ignored stream:true answers with one whole `message`.
        const part = choice ? (isObj(choice.delta) ? choice.delta : isObj(choice.message) ? choice.message : null) : null;
        if (!part || !Array.isArray(part.tool_calls) || !part.tool_calls.length || executedRounds >= opts.maxRounds) {
          if (part && typeof part.content === 'string') {
            text += part.content;
            produced += part.content;
          }
          if (choice?.finish_reason === 'tool_calls') choice.finish_reason = executedRounds >= opts.maxRounds ? 'stop' : null;
          if (part && 'tool_calls' in part) delete part.tool_calls;
          yield chunk;
          continue;
        }
        accumulate(calls, part.tool_calls);
        const content = typeof part.content === 'string' ? part.content : '';
        text += content;
        produced += content;
        if (content) yield { ...chunk, choices: [{ ...choice, delta: { content }, finish_reason: null }] };
      }
      if (!calls.length) return;
      executedRounds++;

      const done: ToolCall[] = calls.map((c, i) => ({ id: c.id || `call_${executedRounds}_${i}`, name: c.name, arguments: c.arguments }));
      const lead = text && !text.endsWith('\n') ? '\n' : '';
      // Like the original: while the tools run, the reply shows the calls as "Executing..." blocks.
      if (opts.events) yield { event: { type: 'chat:completion', data: { content: produced + lead + done.map(runningBlock).join('') } } };
      const results: ToolResult[] = [];
      for (const call of done) {
        if (opts.signal?.aborted) return;
        if (opts.events) yield status(`Running tool ${call.name}`, false, { action: 'tool_call' });
        const result = await execute(set.tools.get(call.name), call);
        results.push(result);
        if (opts.events) yield status(result.error ? `Tool ${call.name} failed` : `Ran tool ${call.name}`, true, { action: 'tool_call', ...(result.error ? { error: true } : {}) });
      }
      const blocks = lead + done.map((c, i) => toolCallBlock(c, results[i]!)).join('');
      produced += blocks;
      yield { ...meta, choices: [{ index: 0, delta: { content: blocks }, finish_reason: null }] };

      messages.push({
        role: 'assistant',
        content: text,
        // Arguments go back as valid JSON (the original does the same): some upstreams reject a history
        // with a malformed or empty arguments string.
        tool_calls: done.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(parseArgs(c.arguments) ?? {}) } })),
      });
      done.forEach((c, i) => messages.push({ role: 'tool', tool_call_id: c.id, name: c.name, content: results[i]!.content }));
    }
  } finally {
    await set.close();
  }
}

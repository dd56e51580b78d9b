import type { ChatCompletionRequest, UserModel } from '@owui/contracts';
import { ApiError } from '../../errors/api-error.js';
import { completionSignal, type CompletionOptions, type CompletionOutcome, type CompletionsService } from '../completions/completions.service.js';
import { isSocketMode } from '../tasks/socket-completion.js';
import { runToolLoop } from './tool-loop.js';
import { resolveToolSet } from './tool-set.js';
import { ToolServersService } from './tool-servers.service.js';

type Json = Record<string, unknown>;

/**
 * The tools step of the completion pipeline. With `tool_ids` / `tool_servers` on the request it resolves
 * the tools and runs the reply as a native function-calling loop, each round being a normal pipeline
 * call marked `toolRound` (so this step does not run again, the others do). Otherwise it is a no-op (null).
 */
export async function toolsStep(
  svc: CompletionsService,
  request: ChatCompletionRequest,
  user: UserModel,
  opts: CompletionOptions,
): Promise<CompletionOutcome | null> {
  if (opts.toolRound) return null;
  const toolIds = (request.tool_ids ?? []).filter((id): id is string => typeof id === 'string');
  const direct = Array.isArray(request.tool_servers) ? request.tool_servers : [];
  if (!toolIds.length && !direct.length) return null;
  const servers = ToolServersService.for(svc.ctx);
  const set = await resolveToolSet(servers, user, toolIds, direct);
  if (!set.tools.size && !set.problems.length) {
    await set.close();
    return null;
  }

  const call = (messages: Json[], tools: Json[]) =>
    svc.chunks(
      { ...request, messages: messages as ChatCompletionRequest['messages'], tool_ids: null, tool_servers: null, ...(tools.length ? { tools } : {}) },
      user,
      { ...opts, toolRound: true },
    );
  // A model without function calling (Ollama answers 400 "... does not support tools") still answers,
  // without the tools; the user is told why the tools were not used.
  const round = async function* (messages: Json[], tools: Json[]): AsyncGenerator<Json> {
    if (!tools.length) return yield* call(messages, tools);
    const it = call(messages, tools);
    let first: IteratorResult<Json>;
    try {
      first = await it.next();
    } catch (err) {
      if (!(err instanceof ApiError) || err.statusCode !== 400 || !/does not support tools/i.test(err.message)) throw err;
      if (isSocketMode(request)) yield { event: { type: 'status', data: { description: `The model cannot use tools: ${err.message}`, done: true, error: true } } };
      return yield* call(messages, []);
    }
    if (first.done) return;
    yield first.value;
    yield* it;
  };
  const loop = runToolLoop(request.messages as Json[], set, round, { maxRounds: servers.limits.maxToolRounds, events: isSocketMode(request), signal: completionSignal(opts) });
  if (request.stream === true) return { kind: 'chunks', chunks: await primed(loop, set) };
  return { kind: 'json', status: 200, body: await collect(loop, request.model) };
}

/**
 * Runs the loop up to its first output, so a failure of the first model call (unknown model, a model
 * without tool support, upstream down) is an HTTP error like without tools; later failures of a round
 * end the stream with one `{error}` chunk. The tool set is closed by the loop, or here if it never ran.
 */
async function primed(loop: AsyncGenerator<Json>, set: { close(): Promise<void> }): Promise<AsyncIterable<Json>> {
  let first: IteratorResult<Json>;
  try {
    first = await loop.next();
  } catch (err) {
    await set.close();
    throw err;
  }
  return (async function* () {
    if (first.done) return;
    yield first.value;
    try {
      yield* loop;
    } catch (err) {
      const message = err instanceof ApiError ? String(err.message) : err instanceof Error ? err.message : 'Upstream error';
      yield { error: { message, type: 'upstream_error', code: null } };
    }
  })();
}

/** A non-streamed reply: the loop's output folded into one `chat.completion`. */
async function collect(chunks: AsyncIterable<Json>, model: string): Promise<Json> {
  let content = '';
  let usage: unknown;
  let id = `chatcmpl-${Date.now()}`;
  for await (const chunk of chunks) {
    if (chunk.error) {
      throw new ApiError(502, (chunk.error as { message?: string }).message ?? 'Upstream error');
    }
    if (typeof chunk.id === 'string') id = chunk.id;
    if (chunk.usage) usage = chunk.usage;
    const choice = Array.isArray(chunk.choices) ? (chunk.choices[0] as Json | undefined) : undefined;
    const part = (choice?.delta ?? choice?.message) as Json | undefined;
    if (part && typeof part.content === 'string') content += part.content;
  }
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, logprobs: null, finish_reason: 'stop', message: { role: 'assistant', content } }],
    ...(usage ? { usage } : {}),
  };
}

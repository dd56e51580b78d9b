import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ChatCompletionRequest, EmbeddingsRequest } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { chunksToSse } from '../../llm/translate/chat-stream.js';
import { clientAbort } from '../../llm/client-abort.js';
import { relayStream, sseErrorLine } from '../../llm/stream-relay.js';
import { currentUser } from '../../plugins/auth-guard.js';
import type { ZodTypeProvider } from '../../plugins/zod.js';
import { openaiStyleErrors } from '../openai/openai.errors.js';
import { isSocketMode, startSocketCompletion } from '../tasks/socket-completion.js';
import { CompletionsService } from './completions.service.js';
import { OllamaChunks } from './ollama-sse.js';
import { withMemories } from '../memories/memory-context.js';

function sseReply(reply: FastifyReply, body: Readable): FastifyReply {
  return reply
    .status(200)
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache')
    .header('x-accel-buffering', 'no')
    .send(body);
}

/**
 * `/api/chat/completions` and `/api/embeddings` (and their `/api/v1` aliases): OpenAI's API over every
 * connection. Errors carry both `detail` (Open WebUI UI) and `error.message` (OpenAI SDKs).
 */
export async function completionsRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = CompletionsService.for(ctx);

  for (const url of ['/api/chat/completions', '/api/v1/chat/completions']) {
    app.post(url, { config: { auth: 'verified' }, schema: { body: ChatCompletionRequest }, errorHandler: openaiStyleErrors }, async (request, reply) => {
      request.body = await withMemories(ctx, request.body, currentUser(request));
      // Socket mode (modules/tasks): session_id + chat_id + id -> background task, `{status, task_id}` now.
      if (isSocketMode(request.body)) return startSocketCompletion(request.server, svc, request.body, currentUser(request));
      const outcome = await svc.start(request.body, currentUser(request), { abort: clientAbort(request, reply) });
      if (outcome.kind === 'passthrough') {
        return relayStream(reply, outcome.response, {
          contentType: 'text/event-stream; charset=utf-8',
          errorLine: sseErrorLine,
          prefix:
            (outcome.files?.length ? `data: ${JSON.stringify({ files: outcome.files })}\n\n` : '') +
              (outcome.sources?.length ? `data: ${JSON.stringify({ sources: outcome.sources })}\n\n` : '') || undefined,
          onBreak: (err) => request.log.warn({ err }, 'chat completion stream broke midway'),
        });
      }
      if (outcome.kind === 'chunks') {
        // An Ollama reply not wrapped by a step (sources, files, tools) is pushed straight to SSE.
        const body = outcome.chunks instanceof OllamaChunks ? outcome.chunks.sseStream() : Readable.from(chunksToSse(outcome.chunks), { objectMode: false });
        return sseReply(reply, body);
      }
      // A reply no step changed goes on as the upstream's text (see relayedJson in the service).
      if (outcome.text !== undefined) return reply.status(outcome.status).header('content-type', 'application/json; charset=utf-8').send(outcome.text);
      return reply.status(outcome.status).send(outcome.body);
    });
  }

  for (const url of ['/api/embeddings', '/api/v1/embeddings']) {
    app.post(url, { config: { auth: 'verified' }, schema: { body: EmbeddingsRequest }, errorHandler: openaiStyleErrors }, async (request, reply) => {
      const { status, body } = await svc.embeddings(request.body, currentUser(request), { abort: clientAbort(request, reply) });
      return reply.status(status).send(body);
    });
  }
}

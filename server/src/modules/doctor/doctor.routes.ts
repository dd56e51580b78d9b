import { Readable } from 'node:stream';
import { DoctorProbeForm } from '@owui/contracts';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { STREAM_HEADERS } from '../../plugins/edge.js';
import { DoctorService } from './doctor.service.js';

const SseQuery = z.object({
  ticks: z.coerce.number().int().min(1).max(20).default(5),
  interval_ms: z.coerce.number().int().min(10).max(1000).default(250),
});

/**
 * Connection doctor (new, not in the original):
 * - GET  /api/v1/doctor        (admin) probe every configured Ollama/OpenAI connection;
 * - POST /api/v1/doctor/probe  (admin) probe one URL + key before saving it;
 * - GET  /api/v1/doctor/echo   (public) what the server sees of the request (client IP, scheme, host),
 *   so `open-webui doctor --url` can tell whether the proxy's forwarded headers are trusted;
 * - GET  /api/v1/doctor/sse    (public) a short tick stream to time event delivery through a proxy.
 */
export async function doctorRoutes(app: FastifyInstance, ctx: AppContext, service = new DoctorService(ctx)): Promise<void> {
  app.get('/api/v1/doctor', { config: { auth: 'admin' } }, async () => service.run());

  app.post('/api/v1/doctor/probe', { config: { auth: 'admin' }, schema: { body: DoctorProbeForm } }, async (request) => {
    const body = request.body as DoctorProbeForm;
    return service.probe({ kind: body.kind, url: body.url, key: body.key, idx: null });
  });

  app.get('/api/v1/doctor/echo', { config: { auth: 'public' } }, async (request) => ({
    client_ip: request.ip,
    scheme: request.protocol,
    host: request.host,
  }));

  app.get('/api/v1/doctor/sse', { config: { auth: 'public' }, schema: { querystring: SseQuery } }, async (request, reply) => {
    const { ticks, interval_ms } = request.query as z.infer<typeof SseQuery>;
    const started = Date.now();
    async function* events() {
      for (let i = 1; i <= ticks; i++) {
        yield `data: ${JSON.stringify({ tick: i, of: ticks, ms: Date.now() - started })}\n\n`;
        if (i < ticks) await new Promise((r) => setTimeout(r, interval_ms));
      }
      yield 'data: [DONE]\n\n';
    }
    const stream = Readable.from(events());
    request.raw.once('close', () => stream.destroy());
    return reply.headers({ 'content-type': 'text/event-stream; charset=utf-8', ...STREAM_HEADERS }).send(stream);
  });
}

import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { prototypePollution } from '../../security/poison-check.js';
import { VERSION } from '../../version.js';

/** Liveness, database and readiness probes, and the version; all public (load balancers call them). */
export async function healthRoutes(app: FastifyInstance, ctx: AppContext) {
  const pub = { config: { auth: 'public' as const } };

  // A polluted Object.prototype breaks every request in odd ways; fail the probe so the instance is replaced.
  app.get('/health', pub, async (request, reply) => {
    const polluted = prototypePollution();
    if (polluted.length === 0) return { status: true };
    request.log.error({ polluted }, 'built-in prototypes were modified: this process is poisoned');
    return reply.status(500).send({ status: false, detail: 'Process state is corrupted; restart this instance' });
  });

  app.get('/health/db', pub, async (_req, reply) => {
    try {
      await ctx.db.ping();
      return { status: true };
    } catch {
      return reply.status(500).send({ detail: 'Database is not reachable' });
    }
  });

  // Ready = every backing service answers; a balancer should stop routing here while it does not.
  app.get('/ready', pub, async (_req, reply) => {
    const checks: Record<string, boolean> = {};
    checks.database = await ctx.db.ping().then(
      () => true,
      () => false,
    );
    if (ctx.state.kind === 'redis') {
      checks.redis = await ctx.state.ping().then(
        () => true,
        () => false,
      );
    }
    const ok = Object.values(checks).every(Boolean);
    return reply.status(ok ? 200 : 503).send({ status: ok, checks });
  });

  app.get('/api/version', pub, async () => ({ version: VERSION }));
}

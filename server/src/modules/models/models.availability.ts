/**
 * Why no model is available, in words a new user can act on. An empty `/api/models` or a chat answered
 * "Model not found" is a dead end without it: the cause ("connection refused" on localhost:11434) would
 * otherwise only be in the server log. Uses the doctor's probes, so the wording is the doctor's.
 * `ModelAvailability.for(ctx).explain(isAdmin)`; the probe result is reused for a few seconds.
 */
import type { ConnectionReport, NoModelsReason } from '@owui/contracts';
import { setTimeout as delay } from 'node:timers/promises';
import { perContext, type AppContext } from '../../context.js';
import { DoctorService } from '../doctor/doctor.service.js';

const REUSE_MS = 5_000;
export const ASK_ADMIN = 'No model is available right now. Please ask your administrator to check the model connections.';
const SKIPPED = new Set(['DISABLED', 'NOT_CONFIGURED']);

const label = (c: Pick<ConnectionReport, 'kind' | 'url'>) => `${c.kind === 'ollama' ? 'Ollama' : 'OpenAI'} at ${c.url}`;

/** The first real problem of a probed connection (ignores notes and skipped connections). */
export function problemOf(c: ConnectionReport): { message: string; fix: string } | null {
  const f = c.findings.find((x) => x.severity === 'error') ?? c.findings.find((x) => x.code === 'NO_MODELS');
  return f ? { message: f.message, fix: f.fix } : null;
}

export function isSkipped(c: ConnectionReport): boolean {
  return c.steps.length === 0 && c.findings.some((x) => SKIPPED.has(x.code));
}

/** One sentence per connection: whether it answered, and if not, what to try. */
export function describeConnection(c: ConnectionReport): string {
  if (isSkipped(c)) return `${label(c)}: ${c.findings.some((x) => x.code === 'NOT_CONFIGURED') ? 'not configured (no API key), skipped' : 'disabled, skipped'}`;
  const p = problemOf(c);
  if (p) return `${label(c)}: ${c.ok ? 'answers, but' : 'NOT reachable:'} ${p.message} ${p.fix}`;
  return `${label(c)}: answered${c.version ? ` (Ollama ${c.version})` : ''}, ${c.model_count ?? 0} model${c.model_count === 1 ? '' : 's'}`;
}

export function explainReports(reports: ConnectionReport[]): Required<NoModelsReason> {
  const used = reports.filter((c) => !isSkipped(c));
  const connections = used.map((c) => {
    const p = problemOf(c);
    return { kind: c.kind, url: c.url, problem: p?.message ?? null, fix: p?.fix ?? null };
  });
  if (!used.length) {
    return { message: 'No model is available: no model connection is enabled. Add one under Admin Settings > Connections (for a local Ollama: http://localhost:11434).', connections };
  }
  const broken = connections.filter((c) => c.problem);
  const parts = (broken.length ? broken : connections).map((c) => (c.problem ? `${label(c)}: ${c.problem} ${c.fix}` : `${label(c)} offers no models.`));
  return { message: `No model is available. ${parts.join(' ')}`, connections };
}

/** How long an API answer waits for the probes; a hanging server must not hold up /api/models for long. */
const EXPLAIN_WAIT_MS = 3_000;

export class ModelAvailability {
  #last: { settledAt: number | null; reports: Promise<ConnectionReport[]> } | null = null;

  constructor(private readonly ctx: AppContext) {
    // A changed connection must be probed anew, not explained from the old one.
    ctx.settings.onChange(() => (this.#last = null));
  }

  static for(ctx: AppContext): ModelAvailability {
    return perContext(ctx, ModelAvailability);
  }

  /** Probes every configured connection; a probe under way, or one that ended a few seconds ago, is shared. */
  reports(): Promise<ConnectionReport[]> {
    const last = this.#last;
    if (!last || (last.settledAt !== null && Date.now() - last.settledAt > REUSE_MS)) {
      const entry: { settledAt: number | null; reports: Promise<ConnectionReport[]> } = { settledAt: null, reports: Promise.resolve([]) };
      entry.reports = new DoctorService(this.ctx)
        .run()
        .then((r) => r.connections)
        .catch(() => [])
        .finally(() => (entry.settledAt = Date.now()));
      this.#last = entry;
    }
    return this.#last!.reports;
  }

  /** Admins get the connections, their problem and fix; everybody else the plain "ask your administrator". */
  async explain(isAdmin: boolean, waitMs = EXPLAIN_WAIT_MS): Promise<NoModelsReason> {
    if (!isAdmin) return { message: ASK_ADMIN };
    const timer = delay(waitMs, null, { ref: false });
    const reports = await Promise.race([this.reports(), timer]);
    if (!reports) {
      return { message: `No model is available, and the model connections did not answer within ${waitMs / 1000} s. Check them under Admin Settings > Connections (Diagnose), or run \`open-webui doctor\`.`, connections: [] };
    }
    return explainReports(reports);
  }
}

/**
 * Why no model is available, in words a new user can act on. An empty `/api/models` or a chat answered
 * "Model not found" is a dead end without it: the cause ("connection refused" on localhost:11434) would
 * otherwise only be in the server log. Uses the doctor's probes, so the wording is the doctor's.
 * `ModelAvailability.for(ctx).explain(isAdmin)`; the probe result is reused for a few seconds.
 */
import type { ConnectionReport, NoModelsReason } from '@owui/contracts';
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

export class ModelAvailability {
  #last: { at: number; reports: Promise<ConnectionReport[]> } | null = null;

  constructor(private readonly ctx: AppContext) {
    // A changed connection must be probed anew, not explained from the old one.
    ctx.settings.onChange(() => (this.#last = null));
  }

  static for(ctx: AppContext): ModelAvailability {
    return perContext(ctx, ModelAvailability);
  }

  /** Probes every configured connection (at most once per few seconds, whoever asks). */
  reports(): Promise<ConnectionReport[]> {
    if (!this.#last || Date.now() - this.#last.at > REUSE_MS) {
      const reports = new DoctorService(this.ctx)
        .run()
        .then((r) => r.connections)
        .catch(() => []);
      this.#last = { at: Date.now(), reports };
    }
    return this.#last.reports;
  }

  /** Admins get the connections, their problem and fix; everybody else the plain "ask your administrator". */
  async explain(isAdmin: boolean): Promise<NoModelsReason> {
    if (!isAdmin) return { message: ASK_ADMIN };
    return explainReports(await this.reports());
  }
}

import type { DoctorReport } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { detectContainer } from './doctor.environment.js';
import { FINDINGS } from './doctor.findings.js';
import { probeConnection, type ProbeOptions, type ProbeTarget } from './doctor.probe.js';
import { getOwn } from '../../security/own-keys.js';

type ConnConfig = { enable?: unknown; key?: unknown };

// Per-connection settings are keyed by position (newer releases) or by URL (older ones).
function connConfig(configs: Record<string, Record<string, unknown>>, idx: number, url: string): ConnConfig {
  return (getOwn(configs, String(idx)) ?? getOwn(configs, url) ?? {}) as ConnConfig;
}

/**
 * The default OpenAI connection (api.openai.com) without a key: present in every install because it is
 * the default of OPENAI_API_BASE_URL, but an Ollama-only user never set it up, so it is not probed.
 */
export function isUnconfiguredOpenAI(url: string, key: string): boolean {
  if (key) return false;
  try {
    return new URL(url).hostname === 'api.openai.com';
  } catch {
    return false;
  }
}

/** Runs the probes for every configured connection, reading the live (admin-editable) settings. */
export class DoctorService {
  readonly inContainer: boolean;

  constructor(
    private readonly ctx: Pick<AppContext, 'config' | 'settings'>,
    inContainer?: boolean,
  ) {
    this.inContainer = inContainer ?? detectContainer();
  }

  options(): ProbeOptions {
    return { timeoutMs: this.ctx.config.timeouts.modelListSeconds * 1000, inContainer: this.inContainer, verifyTls: this.ctx.config.timeouts.verifyTls };
  }

  targets(): { target: ProbeTarget; enabled: boolean }[] {
    const s = this.ctx.settings;
    const out: { target: ProbeTarget; enabled: boolean }[] = [];
    if (s.get('ENABLE_OLLAMA_API')) {
      const configs = s.get('OLLAMA_API_CONFIGS');
      s.get('OLLAMA_BASE_URLS').forEach((url, idx) => {
        const c = connConfig(configs, idx, url);
        out.push({ target: { kind: 'ollama', url, idx, key: typeof c.key === 'string' ? c.key : '' }, enabled: c.enable !== false });
      });
    }
    if (s.get('ENABLE_OPENAI_API')) {
      const configs = s.get('OPENAI_API_CONFIGS');
      const keys = s.get('OPENAI_API_KEYS');
      s.get('OPENAI_API_BASE_URLS').forEach((url, idx) => {
        const c = connConfig(configs, idx, url);
        out.push({ target: { kind: 'openai', url, idx, key: keys[idx] ?? '' }, enabled: c.enable !== false });
      });
    }
    return out;
  }

  async probe(target: ProbeTarget) {
    return probeConnection(target, this.options());
  }

  async run(): Promise<DoctorReport> {
    const connections = await Promise.all(
      this.targets().map(async ({ target, enabled }) => {
        const skipped = !enabled ? FINDINGS.DISABLED({}) : target.kind === 'openai' && isUnconfiguredOpenAI(target.url, target.key ?? '') ? FINDINGS.NOT_CONFIGURED({}) : null;
        if (skipped) {
          return { kind: target.kind, url: target.url, idx: target.idx ?? null, ok: true, version: null, model_count: null, latency_ms: null, steps: [], findings: [skipped] };
        }
        return this.probe(target);
      }),
    );
    return { ok: connections.every((c) => c.ok), in_container: this.inContainer, connections };
  }
}

import net from 'node:net';
import type { ConnectionKind, ConnectionReport, DoctorFinding, DoctorStep } from '@owui/contracts';
import { Agent, request } from 'undici';
import { isLoopbackHost } from './doctor.environment.js';
import { FINDINGS } from './doctor.findings.js';

export interface ProbeTarget {
  kind: ConnectionKind;
  url: string;
  key?: string;
  idx?: number | null;
}

export interface ProbeOptions {
  timeoutMs: number;
  inContainer: boolean;
  verifyTls: boolean;
  /** How a container reaches its host (Docker's name); tried when a loopback URL refuses in a container. */
  hostAlias?: string;
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL|EPROTO/;
const SLOW_MS = 3000;

/** The innermost error code (undici wraps socket errors in `cause`). */
function codeOf(err: unknown): string {
  let e = err as { code?: string; cause?: unknown; name?: string } | undefined;
  for (let i = 0; e && i < 5; i++) {
    // A DOMException (AbortSignal.timeout) has a numeric legacy `code` (23); its name is the useful part.
    const code = typeof e.code === 'string' ? e.code : undefined;
    if (code && code !== 'UND_ERR_SOCKET' && code !== 'UND_ERR_CONNECT') return code;
    if (!e.cause) return code ?? e.name ?? 'ERROR';
    e = e.cause as typeof e;
  }
  return 'ERROR';
}

function messageOf(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const start = performance.now();
  try {
    const value = await fn();
    return { value, ms: Math.round(performance.now() - start) };
  } catch (error) {
    return { error, ms: Math.round(performance.now() - start) };
  }
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => socket.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.end();
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

interface HttpAnswer {
  status: number;
  json: unknown;
  text: string;
}

/**
 * Probes one Ollama or OpenAI-compatible connection step by step (DNS, TCP, HTTP, API) and turns the
 * first failure into a finding with its fix. Secrets are only sent upstream, never reported.
 */
export async function probeConnection(target: ProbeTarget, opts: ProbeOptions): Promise<ConnectionReport> {
  const steps: DoctorStep[] = [];
  const findings: DoctorFinding[] = [];
  const base = target.url.trim().replace(/\/+$/, '');
  const report = (extra: Partial<ConnectionReport> = {}): ConnectionReport => ({
    kind: target.kind,
    url: base,
    idx: target.idx ?? null,
    ok: !findings.some((x) => x.severity === 'error'),
    version: null,
    model_count: null,
    latency_ms: null,
    steps,
    findings,
    ...extra,
  });
  const service = target.kind === 'ollama' ? 'Ollama' : 'the OpenAI-compatible server';

  let url: URL;
  try {
    url = new URL(base);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
  } catch {
    findings.push(FINDINGS.INVALID_URL({ url: base }));
    return report();
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const p = { host, port: String(port), service, url: base, seconds: String(opts.timeoutMs / 1000) };

  // An Ollama URL ending in /api or /v1 breaks every call (…/api/api/chat). Probe the bare address so the
  // finding is this one, not a misleading NOT_OLLAMA from the doubled path.
  let probeBase = base;
  if (target.kind === 'ollama' && /\/(api|v1)$/.test(url.pathname.replace(/\/+$/, ''))) {
    const path = url.pathname.replace(/\/+$/, '');
    probeBase = base.slice(0, base.length - path.length);
    findings.push(FINDINGS.OLLAMA_URL_HAS_PATH({ path, suggested: probeBase }));
  }

  // DNS
  let address = host;
  if (net.isIP(host) === 0) {
    // Loaded here, not with the server (a start resolves no name), and before the timed lookup.
    const dns = await import('node:dns/promises');
    const r = await timed(() => dns.lookup(host));
    if (r.error) {
      const code = codeOf(r.error);
      steps.push({ name: 'dns', ok: false, ms: r.ms, detail: `${host}: ${code}` });
      findings.push(FINDINGS.DNS_FAILED({ ...p, code }));
      return report();
    }
    address = r.value!.address;
    steps.push({ name: 'dns', ok: true, ms: r.ms, detail: `${host} -> ${address}` });
  }

  // TCP
  const tcp = await timed(() => tcpConnect(address, port, opts.timeoutMs));
  if (tcp.error) {
    const code = codeOf(tcp.error);
    steps.push({ name: 'tcp', ok: false, ms: tcp.ms, detail: `${address}:${port}: ${code}` });
    if (opts.inContainer && isLoopbackHost(host) && (code === 'ECONNREFUSED' || code === 'ETIMEDOUT')) {
      // Loopback in a container is the container itself, but Ollama may just be stopped: say the
      // container case first only when the host does answer on that port.
      const alias = opts.hostAlias ?? 'host.docker.internal';
      const viaHost = await timed(() => tcpConnect(alias, port, Math.min(opts.timeoutMs, 2000)));
      if (!viaHost.error) findings.push(FINDINGS.LOOPBACK_IN_CONTAINER({ ...p, alias, severity: 'error' }));
      else {
        findings.push(code === 'ECONNREFUSED' ? FINDINGS.CONNECTION_REFUSED(p) : FINDINGS.TIMEOUT({ ...p, stage: 'TCP connect' }));
        findings.push(FINDINGS.LOOPBACK_IN_CONTAINER({ ...p, alias, severity: 'info' }));
      }
    } else if (code === 'ECONNREFUSED') findings.push(FINDINGS.CONNECTION_REFUSED(p));
    else if (code === 'ETIMEDOUT') findings.push(FINDINGS.TIMEOUT({ ...p, stage: 'TCP connect' }));
    else findings.push(FINDINGS.UNREACHABLE({ ...p, code }));
    return report();
  }
  steps.push({ name: 'tcp', ok: true, ms: tcp.ms, detail: `${address}:${port} accepts connections` });

  const agent = new Agent({ connect: { rejectUnauthorized: opts.verifyTls, timeout: opts.timeoutMs }, headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs });
  const get = async (u: string, headers: Record<string, string> = {}): Promise<HttpAnswer> => {
    const res = await request(u, { method: 'GET', headers, dispatcher: agent, signal: AbortSignal.timeout(opts.timeoutMs) });
    const text = (await res.body.text()).slice(0, 100_000);
    let json: unknown = undefined;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON: judged by the caller */
    }
    return { status: res.statusCode, json, text };
  };
  // Maps a failed HTTP attempt to a finding; returns true when it did.
  const httpFailure = (err: unknown, ms: number, what: string): true => {
    const code = codeOf(err);
    steps.push({ name: 'http', ok: false, ms, detail: `${what}: ${code} ${messageOf(err)}` });
    if (TLS_CODES.test(code) || /ssl|tls|certificate/i.test(messageOf(err))) {
      const plain = /wrong version number|packet length too long|EPROTO/i.test(`${code} ${messageOf(err)}`) ? 'yes' : 'no';
      findings.push(FINDINGS.TLS_ERROR({ ...p, reason: messageOf(err), plain }));
    } else if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'TimeoutError' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ABORT_ERR') {
      findings.push(FINDINGS.TIMEOUT({ ...p, stage: what }));
    } else if (code === 'HPE_INVALID_CONSTANT' || code === 'UND_ERR_INFO' || code === 'HPE_INVALID_VERSION') {
      const seen = 'it does not speak HTTP';
      findings.push(target.kind === 'ollama' ? FINDINGS.NOT_OLLAMA({ ...p, seen }) : FINDINGS.NOT_OPENAI({ url: base, seen }));
    } else findings.push(FINDINGS.UNREACHABLE({ ...p, code }));
    return true;
  };
  const plainToHttps = (a: HttpAnswer) => a.status === 400 && /plain HTTP request was sent to HTTPS/i.test(a.text);

  try {
    if (target.kind === 'ollama') {
      const v = await timed(() => get(`${probeBase}/api/version`, target.key ? { authorization: `Bearer ${target.key}` } : {}));
      if (v.error) return httpFailure(v.error, v.ms, 'GET /api/version') && report();
      const version = (v.value!.json as { version?: unknown } | undefined)?.version;
      if (plainToHttps(v.value!)) {
        findings.push(FINDINGS.HTTPS_REQUIRED(p));
        return report();
      }
      if (v.value!.status === 401 || v.value!.status === 403) {
        steps.push({ name: 'http', ok: false, ms: v.ms, detail: `GET /api/version: HTTP ${v.value!.status}` });
        findings.push(target.key ? FINDINGS.KEY_REFUSED({ status: String(v.value!.status), reason: '' }) : FINDINGS.KEY_MISSING({ status: String(v.value!.status) }));
        return report();
      }
      if (v.value!.status !== 200 || typeof version !== 'string') {
        steps.push({ name: 'http', ok: false, ms: v.ms, detail: `GET /api/version: HTTP ${v.value!.status}` });
        findings.push(FINDINGS.NOT_OLLAMA({ ...p, seen: `GET /api/version gave HTTP ${v.value!.status}${typeof version === 'string' ? '' : ' without a version'}` }));
        return report();
      }
      steps.push({ name: 'http', ok: true, ms: v.ms, detail: `Ollama ${version}` });
      const t = await timed(() => get(`${probeBase}/api/tags`, target.key ? { authorization: `Bearer ${target.key}` } : {}));
      if (t.error) return httpFailure(t.error, t.ms, 'GET /api/tags') && report({ version });
      const models = (t.value!.json as { models?: unknown } | undefined)?.models;
      if (t.value!.status !== 200 || !Array.isArray(models)) {
        steps.push({ name: 'models', ok: false, ms: t.ms, detail: `GET /api/tags: HTTP ${t.value!.status}` });
        // Open WebUI itself also answers /api/version, so a URL pointing at it gets this far.
        const status = t.value!.status;
        findings.push(status >= 500 ? FINDINGS.HTTP_ERROR({ what: 'GET /api/tags', status: String(status) }) : FINDINGS.NOT_OLLAMA({ ...p, seen: `it has /api/version but GET /api/tags gave HTTP ${status}` }));
        return report({ version });
      }
      steps.push({ name: 'models', ok: true, ms: t.ms, detail: `${models.length} models` });
      if (models.length === 0) findings.push(FINDINGS.NO_MODELS({ service: 'Ollama' }));
      if (t.ms > SLOW_MS) findings.push(FINDINGS.SLOW({ ms: String(t.ms) }));
      return report({ version, model_count: models.length, latency_ms: t.ms });
    }

    const headers: Record<string, string> = target.key ? { authorization: `Bearer ${target.key}` } : {};
    const m = await timed(() => get(`${base}/models`, headers));
    if (m.error) return httpFailure(m.error, m.ms, 'GET /models') && report();
    const a = m.value!;
    steps.push({ name: 'http', ok: a.status === 200, ms: m.ms, detail: `GET /models: HTTP ${a.status}` });
    if (plainToHttps(a)) {
      findings.push(FINDINGS.HTTPS_REQUIRED(p));
      return report();
    }
    if (a.status === 401 || a.status === 403) {
      const reason = String((a.json as { error?: { message?: unknown } } | undefined)?.error?.message ?? '').slice(0, 200);
      findings.push(target.key ? FINDINGS.KEY_REFUSED({ status: String(a.status), reason }) : FINDINGS.KEY_MISSING({ status: String(a.status) }));
      return report();
    }
    const data = (a.json as { data?: unknown } | undefined)?.data;
    if (a.status === 200 && Array.isArray(data)) {
      steps.push({ name: 'models', ok: true, ms: m.ms, detail: `${data.length} models` });
      if (data.length === 0) findings.push(FINDINGS.NO_MODELS({ service }));
      if (m.ms > SLOW_MS) findings.push(FINDINGS.SLOW({ ms: String(m.ms) }));
      return report({ model_count: data.length, latency_ms: m.ms });
    }
    // A 404 or an HTML page at /models: the classic missing `/v1`. Confirm before saying so.
    if (!/\/v1$/.test(url.pathname.replace(/\/+$/, ''))) {
      const v1 = await timed(() => get(`${base}/v1/models`, headers));
      const v1data = (v1.value?.json as { data?: unknown } | undefined)?.data;
      if (v1.value && (Array.isArray(v1data) || v1.value.status === 401 || v1.value.status === 403)) {
        steps.push({ name: 'models', ok: false, ms: v1.ms, detail: `GET /v1/models: HTTP ${v1.value.status}` });
        findings.push(FINDINGS.MISSING_V1({ url: base }));
        return report();
      }
    }
    findings.push(FINDINGS.NOT_OPENAI({ url: base, seen: a.status === 200 ? 'no "data" list' : `HTTP ${a.status}` }));
    return report();
  } finally {
    await agent.close().catch(() => undefined);
  }
}

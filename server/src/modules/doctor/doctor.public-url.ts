import http from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import type { DoctorFinding, DoctorStep } from '@owui/contracts';
import { SOCKET_IO_PATH } from '../../plugins/websocket-upgrade.js';

/**
 * `open-webui doctor --url https://chat.example.com`: checks a deployment from the outside, through
 * whatever proxy sits in front of it — forwarded headers, the websocket upgrade, streaming without
 * buffering, HSTS. Each problem comes with the proxy setting that fixes it (see docs/deploy/).
 */
export interface PublicUrlReport {
  url: string;
  ok: boolean;
  steps: DoctorStep[];
  findings: DoctorFinding[];
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  upgraded: boolean;
}

function send(url: URL, headers: Record<string, string>, timeoutMs: number, insecure: boolean, onData?: (chunk: string, ms: number) => void): Promise<Answer> {
  const mod = url.protocol === 'https:' ? https : http;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method: 'GET', headers, rejectUnauthorized: !insecure, timeout: timeoutMs });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 101, headers: res.headers, body: '', upgraded: true });
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        onData?.(c, performance.now() - started);
        if (body.length < 100_000) body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, upgraded: false }));
      res.on('error', reject);
    });
    req.end();
  });
}

const finding = (code: string, severity: DoctorFinding['severity'], message: string, fix: string): DoctorFinding => ({ code, severity, message, fix });

export async function checkPublicUrl(raw: string, opts: { timeoutMs?: number; insecure?: boolean } = {}): Promise<PublicUrlReport> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const insecure = opts.insecure ?? false;
  const base = raw.replace(/\/+$/, '');
  const steps: DoctorStep[] = [];
  const findings: DoctorFinding[] = [];
  const done = (): PublicUrlReport => ({ url: base, ok: !findings.some((f) => f.severity === 'error'), steps, findings });
  const at = (path: string) => new URL(base + path);
  let t = performance.now();
  const ms = () => {
    const v = Math.round(performance.now() - t);
    t = performance.now();
    return v;
  };

  // 1. Reachable at all, and TLS acceptable.
  try {
    const h = await send(at('/health'), {}, timeoutMs, insecure);
    steps.push({ name: 'health', ok: h.status === 200, ms: ms(), detail: `GET /health: HTTP ${h.status}` });
    if (h.status !== 200) {
      findings.push(finding('HEALTH', 'error', `GET /health answered HTTP ${h.status}.`, 'Check that the proxy forwards to the Open WebUI port (8080 by default) and that the server is running.'));
      return done();
    }
    if (base.startsWith('https:') && !h.headers['strict-transport-security']) {
      findings.push(finding('NO_HSTS', 'warning', 'HTTPS works but no Strict-Transport-Security header is sent.', 'Add it at the proxy (see docs/deploy/) or set HSTS=max-age=31536000;includeSubDomains.'));
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    steps.push({ name: 'health', ok: false, ms: ms(), detail: `${e.code ?? ''} ${e.message}` });
    const tls = /CERT|SELF_SIGNED|UNABLE_TO|ERR_TLS|ERR_SSL|EPROTO/.test(String(e.code)) || /certificate|ssl|tls/i.test(e.message);
    findings.push(
      tls
        ? finding('TLS_ERROR', 'error', `TLS failed: ${e.message}.`, 'Serve the full certificate chain for this host name at the proxy; for a private CA run with NODE_EXTRA_CA_CERTS, or pass --insecure to skip the check.')
        : finding('UNREACHABLE', 'error', `Cannot reach ${base}: ${e.code ?? e.message}.`, 'Check DNS, firewall and that the proxy listens on this address.'),
    );
    return done();
  }

  // 2. Forwarded headers: does the server know it is served over https, and who the client is?
  try {
    const e = await send(at('/api/v1/doctor/echo'), {}, timeoutMs, insecure);
    const seen = JSON.parse(e.body) as { scheme?: string; host?: string; client_ip?: string };
    const want = new URL(base);
    steps.push({ name: 'forwarded', ok: true, ms: ms(), detail: `server sees ${seen.scheme}://${seen.host} from ${seen.client_ip}` });
    if (want.protocol === 'https:' && seen.scheme !== 'https') {
      findings.push(
        finding('FORWARDED_PROTO', 'warning', 'The server believes requests arrive over http although the public URL is https.', "Have the proxy send X-Forwarded-Proto (nginx: proxy_set_header X-Forwarded-Proto $scheme) and list the proxy's address in FORWARDED_ALLOW_IPS."),
      );
    }
    if (seen.host && seen.host.split(':')[0] !== want.hostname) {
      findings.push(finding('FORWARDED_HOST', 'info', `The server sees host '${seen.host}' instead of '${want.host}'.`, 'Forward the Host header (nginx: proxy_set_header Host $host) so absolute links use the public name; or set WEBUI_URL.'));
    }
  } catch {
    steps.push({ name: 'forwarded', ok: false, ms: ms(), detail: 'GET /api/v1/doctor/echo gave no JSON (older server or blocked path)' });
  }

  // 3. WebSocket upgrade through the proxy.
  try {
    const key = randomBytes(16).toString('base64');
    const w = await send(
      at(`${SOCKET_IO_PATH}/?EIO=4&transport=websocket`),
      { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13' },
      timeoutMs,
      insecure,
    );
    if (w.upgraded) steps.push({ name: 'websocket', ok: true, ms: ms(), detail: `upgrade accepted (HTTP ${w.status})` });
    else {
      steps.push({ name: 'websocket', ok: false, ms: ms(), detail: `HTTP ${w.status}: ${w.body.slice(0, 120)}` });
      if (w.status === 400 && /Invalid WebSocket upgrade request|"code":3/.test(w.body)) {
        findings.push(
          finding(
            'UPGRADE_STRIPPED',
            'error',
            'The proxy drops the Upgrade/Connection headers, so websockets cannot connect (the UI falls back or stalls).',
            'nginx: proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade; Apache: ProxyPass "/ws/" "ws://127.0.0.1:8080/ws/" (mod_proxy_wstunnel) or upgrade=websocket; Caddy does this by itself.',
          ),
        );
      } else if (w.status === 404) {
        findings.push(finding('NO_SOCKET_IO', 'info', 'The upgrade reached the server but Socket.IO is not answering at /ws/socket.io.', 'Check ENABLE_WEBSOCKET_SUPPORT and that nothing rewrites the /ws/ path.'));
      } else {
        findings.push(finding('UPGRADE_FAILED', 'error', `The websocket upgrade was answered with HTTP ${w.status}.`, 'Make sure the proxy routes /ws/ to Open WebUI with upgrade support and long read timeouts.'));
      }
    }
  } catch (err) {
    steps.push({ name: 'websocket', ok: false, ms: ms(), detail: (err as Error).message });
    findings.push(finding('UPGRADE_FAILED', 'error', `The websocket upgrade failed: ${(err as Error).message}.`, 'Make sure the proxy supports websocket upgrades on /ws/.'));
  }

  // 4. Streaming: the first event must arrive long before the stream ends.
  const ticks = 6;
  const interval = 300;
  let first = -1;
  try {
    const s = await send(at(`/api/v1/doctor/sse?ticks=${ticks}&interval_ms=${interval}`), { Accept: 'text/event-stream' }, timeoutMs, insecure, (chunk, when) => {
      if (first < 0 && chunk.includes('data:')) first = when;
    });
    const total = ms();
    const span = (ticks - 1) * interval;
    const buffered = s.status === 200 && first >= 0 && first > span * 0.7;
    steps.push({ name: 'streaming', ok: s.status === 200 && !buffered, ms: total, detail: `first event after ${Math.round(first)} ms, stream ${total} ms` });
    if (s.status !== 200) findings.push(finding('SSE_FAILED', 'error', `The streaming test endpoint answered HTTP ${s.status}.`, 'Check that /api/ is proxied to Open WebUI.'));
    else if (buffered) {
      findings.push(
        finding(
          'SSE_BUFFERED',
          'error',
          `Streamed replies are buffered: the first event arrived after ${Math.round(first)} ms of a ${span} ms stream, so chat answers appear all at once.`,
          'nginx: proxy_buffering off (and proxy_cache off) for Open WebUI; Apache: flushpackets=on on the ProxyPass; Cloudflare/CDNs: disable response buffering or compression for text/event-stream.',
        ),
      );
    }
  } catch (err) {
    steps.push({ name: 'streaming', ok: false, ms: ms(), detail: (err as Error).message });
    findings.push(finding('SSE_FAILED', 'error', `The streaming test failed: ${(err as Error).message}.`, 'Raise the proxy read timeout (proxy_read_timeout 300s or more).'));
  }
  return done();
}

import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import type { ConnectionReport } from '@owui/contracts';
import type { AppContext } from './context.js';
import { describeConnection, ModelAvailability } from './modules/models/models.availability.js';

/**
 * The one start-up summary: where to open the UI and, per configured connection, whether it answered
 * (and if not, what to try). The server is already listening when this runs; the probes use the
 * model-list timeout, and the summary waits at most SUMMARY_WAIT_MS for them, so a slow upstream never
 * holds it back for long (its result follows in its own line).
 */
const SUMMARY_WAIT_MS = 3_000;

export function uiAddress(ctx: Pick<AppContext, 'config'>, address: AddressInfo | string | null): string {
  if (!address || typeof address === 'string') return String(address ?? '');
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const host = wildcard ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

export async function logStartupSummary(app: FastifyInstance, ctx: AppContext, waitMs = SUMMARY_WAIT_MS): Promise<void> {
  const url = uiAddress(ctx, app.server.address());
  const hasUi = fs.existsSync(path.join(ctx.config.paths.frontendBuildDir, 'index.html'));
  const lines = [
    hasUi ? `Open WebUI is ready: open ${url} in your browser.` : `Open WebUI is ready at ${url} (API only: no UI build found; run \`npm run build\`).`,
  ];
  if (ctx.config.webui.url) lines.push(`  public URL (WEBUI_URL): ${ctx.config.webui.url}`);
  for (const w of ctx.config.warnings) lines.push(`  warning: ${w}`);

  const reports = ModelAvailability.for(ctx).reports();
  const timer = delay(waitMs, null, { ref: false });
  const done = await Promise.race([reports, timer]);
  const connections: { kind: string; url: string; ok: boolean | null }[] = [];
  if (done) {
    if (!done.length) lines.push('  no model connection is enabled: add one under Admin Settings > Connections');
    for (const c of done) {
      lines.push(`  ${describeConnection(c)}`);
      connections.push({ kind: c.kind, url: c.url, ok: c.ok });
    }
  } else {
    lines.push(`  model connections: still checking (no answer within ${waitMs / 1000} s); results follow`);
    void reports.then((list: ConnectionReport[]) => {
      for (const c of list) app.log[c.ok ? 'info' : 'warn']({ connection: { kind: c.kind, url: c.url, ok: c.ok } }, describeConnection(c));
    });
  }
  const anyDown = done?.some((c) => !c.ok) ?? false;
  // Structured under `summary` for JSON readers; the text format shows only the lines.
  app.log[anyDown ? 'warn' : 'info']({ summary: { url, connections } }, lines.join('\n'));
}

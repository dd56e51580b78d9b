import { parseArgs } from 'node:util';
import type { ConnectionReport, DoctorFinding, DoctorStep } from '@owui/contracts';
import { openContext } from '../../bootstrap.js';
import type { Config } from '../../config/env.js';
import { checkPublicUrl } from './doctor.public-url.js';
import { DoctorService } from './doctor.service.js';

/**
 * `open-webui doctor [--url https://public-url] [--insecure] [--json]`: probes every configured model
 * connection (as saved in the database, like the running server sees them) and, with --url, the public
 * address through its proxy. Exits 1 when any error was found, so it works in scripts and health checks.
 */
export const DOCTOR_USAGE = `Usage: open-webui doctor [--url PUBLIC_URL] [--insecure] [--json]

Checks each configured Ollama / OpenAI connection (DNS, TCP, HTTP, version, models, latency) and, with
--url, a public address through its reverse proxy (forwarded headers, websocket upgrade, streaming, HSTS).`;

function printSteps(out: (s: string) => void, steps: DoctorStep[], findings: DoctorFinding[]): void {
  for (const s of steps) out(`    ${s.ok ? 'ok  ' : 'FAIL'} ${s.name.padEnd(9)} ${String(s.ms).padStart(5)} ms  ${s.detail}`);
  for (const f of findings) {
    out(`    ${f.severity.toUpperCase()} [${f.code}] ${f.message}`);
    out(`      fix: ${f.fix}`);
  }
}

export async function runDoctor(config: Config, argv: string[], out: (s: string) => void = console.log): Promise<number> {
  const { values } = parseArgs({ args: argv, allowPositionals: true, options: { url: { type: 'string' }, insecure: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    out(DOCTOR_USAGE);
    return 0;
  }
  const ctx = await openContext(config);
  try {
    const report = await new DoctorService(ctx).run();
    const pub = values.url ? await checkPublicUrl(values.url, { insecure: values.insecure, timeoutMs: config.timeouts.modelListSeconds * 1000 }) : null;
    const ok = report.ok && (pub?.ok ?? true);
    if (values.json) {
      out(JSON.stringify({ ...report, ok, public_url: pub }, null, 2));
      return ok ? 0 : 1;
    }
    out(`open-webui doctor${report.in_container ? ' (running inside a container)' : ''}`);
    for (const w of config.warnings) out(`  WARNING ${w}`);
    if (report.connections.length === 0) out('  no model connections are configured or enabled');
    for (const c of report.connections as ConnectionReport[]) {
      const skipped = c.steps.length === 0 && c.findings.some((x) => x.code === 'DISABLED' || x.code === 'NOT_CONFIGURED');
      const summary = skipped ? 'skipped' : c.ok ? `ok${c.version ? `, version ${c.version}` : ''}${c.model_count !== null ? `, ${c.model_count} models` : ''}${c.latency_ms !== null ? `, ${c.latency_ms} ms` : ''}` : 'PROBLEM';
      out(`  ${c.kind} ${c.url}: ${summary}`);
      printSteps(out, c.steps, c.findings);
    }
    if (pub) {
      out(`  public URL ${pub.url}: ${pub.ok ? 'ok' : 'PROBLEM'}`);
      printSteps(out, pub.steps, pub.findings);
    }
    out(ok ? 'No problems found.' : 'Problems found; see the fixes above.');
    return ok ? 0 : 1;
  } finally {
    await ctx.close();
  }
}

/** Entry from the `open-webui doctor` verb: loads the environment like `serve` and returns the exit code. */
export async function doctorMain(argv: string[]): Promise<number> {
  const { ConfigError, loadConfig } = await import('../../config/env.js');
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`open-webui: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const { explainStartupError, isUsageError } = await import('../../startup-errors.js');
  try {
    return await runDoctor(config, argv);
  } catch (err) {
    if (isUsageError(err)) {
      console.error(`open-webui doctor: ${(err as Error).message}\n${DOCTOR_USAGE}`);
      return 2;
    }
    console.error(`open-webui doctor: ${explainStartupError(err, config)}`);
    return 1;
  }
}

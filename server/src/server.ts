import { parseArgs } from 'node:util';
import { buildApp } from './app.js';
import { openContext } from './bootstrap.js';
import { ConfigError, loadConfig, withOverrides } from './config/env.js';
import { formatReport } from './db/adopt/report.js';
import { gracefulClose } from './shutdown.js';
import { explainStartupError, isUsageError } from './startup-errors.js';
import { logStartupSummary } from './startup-summary.js';

/**
 * `open-webui serve [--host H] [--port P]`: the same verb and flags as the original's CLI.
 * Configuration errors print one line and exit 1; SIGTERM/SIGINT drain in-flight requests first.
 */
const USAGE = `Usage: open-webui serve [--host HOST] [--port PORT]
       open-webui doctor [--url PUBLIC_URL] [--insecure] [--json]
       open-webui import <open-webui data dir | webui.db>
       open-webui backup [--out DIR]
       open-webui restore DIR [--force]

Environment variables configure everything else; see README.md.`;

/**
 * Verbs other than `serve`, each loaded only when used: name -> its entry, which gets the remaining
 * arguments and returns the exit code. Adding a verb is one line here (and one in USAGE).
 */
const VERBS = new Map<string, () => Promise<(argv: string[]) => Promise<number>>>([
  ['doctor', async () => (await import('./modules/doctor/doctor.cli.js')).doctorMain],
  ['backup', async () => (await import('./modules/backup/backup.cli.js')).backupMain],
  ['restore', async () => (await import('./modules/backup/backup.cli.js')).restoreMain],
  ['import', async () => (await import('./db/adopt/adopt.cli.js')).importMain],
]);

/**
 * `onListening`: called once the server listens (bin/open-webui.mjs gives V8 its default flags back
 * there: it held the young generation's growth and the compilers while starting).
 */
export async function main(argv = process.argv.slice(2), opts: { onListening?: () => void } = {}): Promise<void> {
  const verbEntry = argv[0] ? VERBS.get(argv[0]) : undefined;
  if (verbEntry) process.exit(await (await verbEntry())(argv.slice(1)));
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { host: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    if (!isUsageError(err)) throw err;
    console.error(`open-webui: ${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const { values, positionals } = parsed;
  const verb = positionals[0] ?? 'serve';
  if (values.help || verb === 'help') {
    console.log(USAGE);
    return;
  }
  if (verb !== 'serve') {
    console.error(`Unknown command '${verb}'.\n${USAGE}`);
    process.exit(2);
  }

  let config;
  try {
    // Flags win over HOST/PORT from the environment, like the original's `serve --host --port`.
    config = loadConfig(withOverrides({ HOST: values.host, PORT: values.port }));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`open-webui: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }

  let ctx;
  try {
    ctx = await openContext(config);
  } catch (err) {
    console.error(`open-webui: cannot start: ${explainStartupError(err, config)}`);
    process.exit(1);
  }
  const app = await buildApp(ctx);
  if (ctx.adoption) {
    // Printed whole, once: what came across from Open WebUI and, by table, what did not.
    console.log(formatReport(ctx.adoption));
    app.log.info({ backup: ctx.adoption.backup, notCarried: ctx.adoption.result.notCarried }, 'adopted an Open WebUI database');
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: no new connections, waiting for in-flight requests');
    const result = await gracefulClose(app, () => ctx.close(), config.server.shutdownTimeoutMs);
    if (result === 'timeout') app.log.warn('in-flight requests did not finish in time; exiting anyway');
    process.exit(result === 'closed' ? 0 : 1);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  try {
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    console.error(
      e.code === 'EADDRINUSE'
        ? `open-webui: port ${config.server.port} on ${config.server.host} is already in use. Stop the other process or set PORT.`
        : `open-webui: cannot listen: ${e.message}`,
    );
    await ctx.close();
    process.exit(1);
  }
  opts.onListening?.();
  // In the background: readiness (and /health) never waits for the model servers. Its connection check
  // is the first outgoing request, which loads the HTTP client (undici, see build.mjs): it starts once
  // the first response has gone out (a supervisor's /health), or SUMMARY_DELAY_MS after listen.
  let summaryTimer: NodeJS.Timeout | undefined;
  const summary = () => {
    if (!summaryTimer) return;
    clearTimeout(summaryTimer);
    summaryTimer = undefined;
    app.server.off('request', onFirstRequest);
    void logStartupSummary(app, app.ctx).catch((err) => app.log.warn({ err }, 'start-up summary failed'));
  };
  const onFirstRequest = (_req: unknown, res: import('node:http').ServerResponse) => void res.once('close', () => setImmediate(summary));
  summaryTimer = setTimeout(summary, SUMMARY_DELAY_MS);
  app.server.once('request', onFirstRequest);
}

const SUMMARY_DELAY_MS = 300;

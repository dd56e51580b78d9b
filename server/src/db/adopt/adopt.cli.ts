import { ConfigError, loadConfig } from '../../config/env.js';
import { importFrom } from './adopt.js';
import { AdoptRefusal } from './inspect.js';
import { formatReport } from './report.js';

/**
 * `open-webui import <dir>`: carries an Open WebUI data directory into the configured database
 * (DATA_DIR / DATABASE_URL), then exits. Returns the exit code: 0 done, 1 refused, 2 usage.
 */
export async function importMain(args: string[]): Promise<number> {
  const from = args.find((a) => !a.startsWith('-'));
  const help = args.includes('--help') || args.includes('-h');
  if (!from || help) {
    console.error('Usage: open-webui import <open-webui data dir | webui.db>\n\nCarries its users, chats and settings into the database configured by DATA_DIR / DATABASE_URL.');
    return help ? 0 : 2;
  }
  try {
    const report = await importFrom(loadConfig(), from);
    console.log(formatReport(report));
    return 0;
  } catch (err) {
    if (err instanceof AdoptRefusal || err instanceof ConfigError) {
      console.error(`open-webui: ${err.message}`);
      return 1;
    }
    console.error(`open-webui: import failed: ${(err as Error).message}`);
    return 1;
  }
}

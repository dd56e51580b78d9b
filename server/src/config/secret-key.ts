import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * WEBUI_SECRET_KEY signs every session token. When it is not set we generate one and keep it in
 * DATA_DIR/.webui_secret_key (as the original's start.sh does) so tokens survive a restart.
 */
export function resolveSecretKey(configured: string | undefined, dataDir: string): { key: string; source: 'env' | 'file' | 'generated' } {
  if (configured !== undefined && configured !== '') return { key: configured, source: 'env' };
  const file = path.join(dataDir, '.webui_secret_key');
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing) return { key: existing, source: 'file' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(24).toString('base64url');
  // 'wx' so two processes starting together cannot both write; the loser reads the winner's key.
  try {
    fs.writeFileSync(file, key + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { key: fs.readFileSync(file, 'utf8').trim(), source: 'file' };
    throw err;
  }
  return { key, source: 'generated' };
}

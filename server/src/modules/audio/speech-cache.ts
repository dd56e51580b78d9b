import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * The on-disk cache of synthesised speech, shared by `/openai/audio/speech` and `/api/v1/audio/speech`:
 * `DATA_DIR/cache/audio/speech/<sha256>.mp3` plus the request as `<sha256>.json`, the original's layout.
 * The name is the hash of what determines the audio (request body, and for the audio router the engine
 * and model), so the same sentence is synthesised once. Hashing a capped body is cheap enough inline.
 */
export class SpeechCache {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'cache', 'audio', 'speech');
  }

  static key(...parts: (Buffer | string)[]): string {
    const h = createHash('sha256');
    for (const p of parts) h.update(p);
    return h.digest('hex');
  }

  async get(name: string): Promise<Buffer | null> {
    return fs.readFile(path.join(this.dir, `${name}.mp3`)).catch(() => null);
  }

  /** Writes through a temporary name, so a reader never sees half a file. */
  async put(name: string, audio: Buffer, request: Buffer | string): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    const file = path.join(this.dir, `${name}.mp3`);
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await fs.writeFile(tmp, audio);
    await fs.rename(tmp, file);
    await fs.writeFile(path.join(this.dir, `${name}.json`), request).catch(() => undefined);
  }
}

import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';

export class TooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`File size exceeds the limit of ${limitBytes} bytes`);
  }
}

/**
 * Uploaded files on local disk under `DATA_DIR/uploads` (the original's layout: `<id>_<name>`). Writes
 * stream through a byte counter straight to disk, never holding a file in memory; a stream that passes
 * the cap is cut and its partial file removed. Reads resolve only paths inside the uploads folder, so a
 * stored path (or an adopted row) cannot point the server at any other file. One class, so S3 or
 * another backend can replace it behind the same methods.
 */
export class LocalStorage {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'uploads');
    fs.mkdirSync(this.root, { recursive: true });
  }

  /** Writes `source` as `<id>_<filename>`; returns the stored path and the byte count. */
  async save(source: Readable, id: string, filename: string, maxBytes: number): Promise<{ path: string; size: number }> {
    const safe = path.basename(filename).replace(/[\u0000-\u001f/\\]/g, '_').slice(0, 200) || 'file';
    const target = path.join(this.root, `${id}_${safe}`);
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > maxBytes) cb(new TooLargeError(maxBytes));
        else cb(null, chunk);
      },
    });
    try {
      await pipeline(source, counter, fs.createWriteStream(target, { flags: 'wx' }));
    } catch (err) {
      await fs.promises.rm(target, { force: true });
      source.resume(); // drain what is left so the request can complete with our error
      throw err;
    }
    return { path: target, size };
  }

  /** Absolute path of a stored file if it is inside the uploads folder and exists, else null. */
  resolve(stored: string | null | undefined): string | null {
    if (!stored) return null;
    const abs = path.resolve(this.root, stored);
    if (!abs.startsWith(this.root + path.sep)) return null;
    return fs.existsSync(abs) ? abs : null;
  }

  async delete(stored: string | null | undefined): Promise<void> {
    const abs = this.resolve(stored);
    if (abs) await fs.promises.rm(abs, { force: true });
  }

  async deleteAll(): Promise<void> {
    for (const name of await fs.promises.readdir(this.root)) await fs.promises.rm(path.join(this.root, name), { force: true, recursive: true });
  }
}

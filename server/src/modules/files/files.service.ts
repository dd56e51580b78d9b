import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { UserModel } from '@owui/contracts';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { canReadFile, canWriteFile, mayUploadFiles } from '../../rag/access.js';
import type { RagRuntime } from '../../rag/runtime.js';
import { ragSettings } from '../../rag/settings.js';
import { TooLargeError } from '../../storage/local-storage.js';
import type { FileRow, Json } from './files.repository.js';

/** What the API shows of a file: the row without the server-side path. */
export function fileModel(row: FileRow, withContent = true): Json {
  const data = withContent ? row.data : Object.fromEntries(Object.entries(row.data).filter(([k]) => k !== 'content'));
  return {
    id: row.id,
    user_id: row.user_id,
    hash: row.hash,
    filename: row.filename,
    data,
    meta: row.meta,
    access_control: row.access_control,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** `FileMetadataResponse`, what knowledge responses list. */
export function fileMetadata(row: FileRow): Json {
  return { id: row.id, hash: row.hash, meta: row.meta, created_at: row.created_at, updated_at: row.updated_at };
}

export interface UploadInput {
  stream: Readable;
  filename: string;
  contentType: string;
  process: boolean;
}

export interface StoredUpload {
  id: string;
  filename: string;
  contentType: string;
  path: string;
  size: number;
}

/** Rules of `/api/v1/files`: limits, ownership, and handing processing to the background. */
export class FilesService {
  constructor(private readonly rt: RagRuntime) {}

  /** A file the caller may read, or the original's 404 (another user's file looks like no file). */
  async readable(id: string, user: UserModel): Promise<FileRow> {
    const row = await this.rt.files.get(id);
    if (!row || !canReadFile(user, row)) throw new ApiError(404, ERROR_MESSAGES.NOT_FOUND);
    return row;
  }

  async writable(id: string, user: UserModel): Promise<FileRow> {
    const row = await this.readable(id, user);
    if (!canWriteFile(user, row)) throw new ApiError(404, ERROR_MESSAGES.NOT_FOUND);
    return row;
  }

  /** Checks that need only the name, before a byte is stored. */
  async precheck(user: UserModel, filename: string, process: boolean): Promise<void> {
    if (!(await mayUploadFiles(this.rt.ctx, user))) throw new ApiError(401, ERROR_MESSAGES.UNAUTHORIZED);
    const allowed = ragSettings(this.rt.ctx).allowedExtensions;
    const ext = filename.includes('.') ? filename.slice(filename.lastIndexOf('.') + 1) : '';
    if (process && allowed.length && !allowed.includes(ext.toLowerCase())) {
      throw new ApiError(400, ERROR_MESSAGES.DEFAULT(`File type ${ext} is not allowed`));
    }
  }

  /** Streams an upload to disk under the size cap (the multipart part is consumed here). */
  async store(user: UserModel, input: UploadInput): Promise<StoredUpload> {
    const filename = input.filename.split(/[\\/]/).pop() || 'file';
    await this.precheck(user, filename, input.process);
    const settings = ragSettings(this.rt.ctx);
    const id = randomUUID();
    let stored: { path: string; size: number };
    try {
      stored = await this.rt.storage.save(input.stream, id, filename, settings.maxBytes);
    } catch (err) {
      if (err instanceof TooLargeError) {
        throw new ApiError(413, ERROR_MESSAGES.DEFAULT(`File size exceeds the limit of ${Math.floor(settings.maxBytes / (1024 * 1024))} MB`));
      }
      throw new ApiError(400, ERROR_MESSAGES.DEFAULT('Error uploading file'));
    }
    if (stored.size === 0) {
      await this.rt.storage.delete(stored.path);
      throw new ApiError(400, ERROR_MESSAGES.EMPTY_CONTENT);
    }
    return { id, filename, contentType: input.contentType, ...stored };
  }

  /** Records a stored upload and queues its processing. */
  async commit(user: UserModel, up: StoredUpload, metadata: Json, process: boolean): Promise<FileRow> {
    const row = await this.rt.files.insert({
      id: up.id,
      user_id: user.id,
      filename: up.filename,
      path: up.path,
      data: process ? { status: 'pending' } : {},
      meta: { name: up.filename, content_type: up.contentType || null, size: up.size, data: metadata },
      access_control: null,
    });
    if (process) {
      if (/^(image|video|audio)\//.test(up.contentType)) {
        // Nothing to read as text (transcription and OCR belong to other features): kept, not indexed.
        await this.rt.files.updateData(up.id, { status: 'completed', content: '' });
        row.data = { status: 'completed', content: '' };
      } else {
        await this.rt.enqueueProcessing({ fileId: up.id, userId: user.id });
      }
    }
    return row;
  }

  async delete(row: FileRow): Promise<void> {
    const store = await this.rt.store();
    await store.deleteCollection(`file-${row.id}`);
    // A deleted file stops answering from every knowledge base that held it.
    for (const k of await this.rt.knowledge.list()) {
      if (!k.data.file_ids?.includes(row.id)) continue;
      await store.deleteFile(k.id, row.id);
      await this.rt.knowledge.update(k.id, { data: { ...k.data, file_ids: k.data.file_ids.filter((f) => f !== row.id) } });
    }
    await this.rt.files.delete(row.id);
    await this.rt.storage.delete(row.path);
  }

  async deleteAll(): Promise<void> {
    await this.rt.files.deleteAll();
    await this.rt.storage.deleteAll();
    await (await this.rt.store()).reset();
  }
}

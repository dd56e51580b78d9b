import { randomUUID } from 'node:crypto';
import type { UserModel } from '@owui/contracts';
import type { KnowledgeForm } from '@owui/contracts';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { hasPermission } from '../users/permissions.js';
import { canReadFile, canReadKnowledge, canWriteKnowledge, groupIdsOf, mayCreateKnowledge } from '../../rag/access.js';
import type { RagRuntime } from '../../rag/runtime.js';
import { waitForProcessing } from '../files/files.routes.js';
import { fileMetadata } from '../files/files.service.js';
import type { Json } from '../files/files.repository.js';
import type { KnowledgeRow } from './knowledge.repository.js';

const notFound = () => new ApiError(404, ERROR_MESSAGES.NOT_FOUND);
/** How long adding a file waits for its processing to finish before refusing it. */
const ADD_WAIT_MS = 120_000;

/** Knowledge bases: a named set of files whose chunks are indexed together under the knowledge id. */
export class KnowledgeService {
  constructor(private readonly rt: RagRuntime) {}

  async #withFiles(k: KnowledgeRow, withUser = false): Promise<Json> {
    const ids = k.data.file_ids ?? [];
    const files = await this.rt.files.getMany(ids);
    let row = k;
    if (files.length !== ids.length) {
      // Files deleted behind the knowledge base's back drop out of its list, as the original does.
      row = (await this.rt.knowledge.update(k.id, { data: { ...k.data, file_ids: files.map((f) => f.id) } })) ?? k;
    }
    const out: Json = { ...row, files: files.map(fileMetadata) };
    if (withUser) {
      const u = await this.rt.ctx.db.kysely.selectFrom('user').select(['id', 'name', 'email', 'role', 'profile_image_url']).where('id', '=', k.user_id).executeTakeFirst();
      out.user = u ?? null;
    }
    return out;
  }

  async readable(id: string, user: UserModel): Promise<KnowledgeRow> {
    const k = await this.rt.knowledge.get(id);
    if (!k || !canReadKnowledge(user, k, await groupIdsOf(this.rt.ctx, user))) throw notFound();
    return k;
  }

  async writable(id: string, user: UserModel): Promise<KnowledgeRow> {
    const k = await this.readable(id, user);
    if (!canWriteKnowledge(user, k, await groupIdsOf(this.rt.ctx, user))) throw new ApiError(400, ERROR_MESSAGES.ACCESS_PROHIBITED);
    return k;
  }

  async list(user: UserModel, mode: 'read' | 'write'): Promise<Json[]> {
    const groupIds = await groupIdsOf(this.rt.ctx, user);
    const rows = (await this.rt.knowledge.list()).filter((k) => (mode === 'read' ? canReadKnowledge(user, k, groupIds) : canWriteKnowledge(user, k, groupIds)));
    return Promise.all(rows.map((k) => this.#withFiles(k, true)));
  }

  async get(id: string, user: UserModel): Promise<Json> {
    return this.#withFiles(await this.readable(id, user));
  }

  async create(user: UserModel, form: KnowledgeForm): Promise<Json> {
    if (!(await mayCreateKnowledge(this.rt.ctx, user))) throw new ApiError(401, ERROR_MESSAGES.UNAUTHORIZED);
    const row = await this.rt.knowledge.insert({
      id: randomUUID(),
      user_id: user.id,
      name: form.name,
      description: form.description ?? '',
      data: { file_ids: [] },
      meta: null,
      access_control: await this.#accessFor(user, form.access_control ?? null),
    });
    return { ...row, files: [] };
  }

  async update(id: string, user: UserModel, form: KnowledgeForm): Promise<Json> {
    await this.writable(id, user);
    const row = await this.rt.knowledge.update(id, {
      name: form.name,
      description: form.description ?? '',
      ...(form.access_control !== undefined ? { access_control: await this.#accessFor(user, form.access_control) } : {}),
    });
    return this.#withFiles(row!);
  }

  /** Public (null) only with `sharing.public_knowledge` (admins have it); otherwise private, as the original does. */
  async #accessFor(user: UserModel, requested: KnowledgeForm['access_control'] | null): Promise<Json | null> {
    if (requested !== null && requested !== undefined) return requested;
    return (await hasPermission(this.rt.ctx, user, 'sharing.public_knowledge')) ? null : {};
  }

  async #indexFile(k: KnowledgeRow, fileId: string, user: UserModel): Promise<void> {
    const file = await this.rt.files.get(fileId);
    if (!file || !canReadFile(user, file)) throw new ApiError(400, ERROR_MESSAGES.NOT_FOUND);
    let status = String(file.data.status ?? '');
    if (status === 'pending') status = await waitForProcessing(this.rt, file.id, ADD_WAIT_MS);
    if (status === 'failed') throw new ApiError(400, ERROR_MESSAGES.DEFAULT(String((await this.rt.files.get(fileId))?.data.error ?? 'File processing failed')));
    if (status !== 'completed' && !Object.keys(file.data).length) throw new ApiError(400, 'Extracted content is not available for this file. Please ensure that the file is processed before proceeding.');
    if (status === 'pending') throw new ApiError(400, 'The file is still being processed. Please try again shortly.');
    const store = await this.rt.store();
    await store.deleteFile(k.id, fileId);
    const copied = await store.copy(`file-${fileId}`, k.id);
    const fresh = await this.rt.files.get(fileId);
    if (!copied && typeof fresh?.data.content === 'string' && fresh.data.content) {
      // Indexed before (or under other settings): index its text into the knowledge base now.
      await this.rt.enqueueProcessing({ fileId, userId: user.id, content: fresh.data.content, collection: k.id });
    }
  }

  async addFile(id: string, user: UserModel, fileId: string): Promise<Json> {
    const k = await this.writable(id, user);
    await this.#indexFile(k, fileId, user);
    const latest = (await this.rt.knowledge.get(id))!;
    const ids = latest.data.file_ids ?? [];
    if (ids.includes(fileId)) throw new ApiError(400, ERROR_MESSAGES.DEFAULT('file_id'));
    const row = await this.rt.knowledge.update(id, { data: { ...latest.data, file_ids: [...ids, fileId] } });
    return this.#withFiles(row!);
  }

  async addFiles(id: string, user: UserModel, fileIds: string[]): Promise<Json> {
    const k = await this.writable(id, user);
    const errors: Json[] = [];
    const added: string[] = [];
    for (const fileId of [...new Set(fileIds)]) {
      try {
        await this.#indexFile(k, fileId, user);
        added.push(fileId);
      } catch (err) {
        errors.push({ file_id: fileId, error: err instanceof ApiError ? String(err.detail) : String(err) });
      }
    }
    const latest = (await this.rt.knowledge.get(id))!;
    const ids = [...new Set([...(latest.data.file_ids ?? []), ...added])];
    const row = await this.rt.knowledge.update(id, { data: { ...latest.data, file_ids: ids } });
    const out = await this.#withFiles(row!);
    if (errors.length) out.warnings = { message: 'Some files failed to process', errors };
    return out;
  }

  async updateFile(id: string, user: UserModel, fileId: string): Promise<Json> {
    const k = await this.writable(id, user);
    if (!(k.data.file_ids ?? []).includes(fileId)) throw new ApiError(400, ERROR_MESSAGES.NOT_FOUND);
    await this.#indexFile(k, fileId, user);
    return this.#withFiles((await this.rt.knowledge.get(id))!);
  }

  async removeFile(id: string, user: UserModel, fileId: string, deleteFile: boolean): Promise<Json> {
    const k = await this.writable(id, user);
    const store = await this.rt.store();
    await store.deleteFile(k.id, fileId);
    const file = await this.rt.files.get(fileId);
    if (deleteFile && file && (user.role === 'admin' || file.user_id === user.id)) {
      await store.deleteCollection(`file-${fileId}`);
      await this.rt.files.delete(fileId);
      await this.rt.storage.delete(file.path);
    }
    const latest = (await this.rt.knowledge.get(id))!;
    const row = await this.rt.knowledge.update(id, { data: { ...latest.data, file_ids: (latest.data.file_ids ?? []).filter((f) => f !== fileId) } });
    return this.#withFiles(row!);
  }

  async reset(id: string, user: UserModel): Promise<Json> {
    await this.writable(id, user);
    await (await this.rt.store()).deleteCollection(id);
    const row = await this.rt.knowledge.update(id, { data: { file_ids: [] } });
    return { ...row! };
  }

  async delete(id: string, user: UserModel): Promise<boolean> {
    await this.writable(id, user);
    await (await this.rt.store()).deleteCollection(id);
    await this.rt.knowledge.delete(id);
    return true;
  }

  /** Rebuilds every knowledge collection from its files' indexed chunks (admin). */
  async reindex(): Promise<boolean> {
    const store = await this.rt.store();
    for (const k of await this.rt.knowledge.list()) {
      await store.deleteCollection(k.id);
      for (const fileId of k.data.file_ids ?? []) await store.copy(`file-${fileId}`, k.id);
    }
    return true;
  }
}

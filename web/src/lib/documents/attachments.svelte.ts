import { errorMessage } from '$lib/api/client';
import { followStatus, uploadFile, type FileItem } from './api';

/**
 * One file or knowledge base attached to the message being written, in the shape the original UI
 * sends as `files` on /api/chat/completions (`type`, `id`, `name`, ...), plus its upload state.
 */
export interface Attachment {
  itemId: string;
  type: 'file' | 'collection';
  id: string;
  name: string;
  size?: number;
  /** uploading -> processing -> ready | error */
  status: 'uploading' | 'processing' | 'ready' | 'error';
  /** 0..1 while uploading. */
  progress: number;
  error?: string;
  file?: FileItem;
}

let seq = 0;

/** Uploads `file`, then follows its processing; updates `att` in place (it is $state). */
export async function attachFile(list: Attachment[], file: File): Promise<void> {
  const att: Attachment = { itemId: `a${++seq}`, type: 'file', id: '', name: file.name, size: file.size, status: 'uploading', progress: 0 };
  list.push(att);
  const live = () => list.find((a) => a.itemId === att.itemId);
  try {
    const item = await uploadFile(file, (p) => {
      const a = live();
      if (a) a.progress = p;
    });
    const a = live();
    if (!a) return;
    a.id = item.id;
    a.file = item;
    a.status = 'processing';
    const last = await followStatus(item.id, (e) => {
      const x = live();
      if (x && e.progress?.total) x.progress = (e.progress.done ?? 0) / e.progress.total;
    });
    const done = live();
    if (!done) return;
    if (last.status === 'failed') {
      done.status = 'error';
      done.error = last.error ?? 'failed';
    } else {
      done.status = 'ready';
      done.progress = 1;
    }
  } catch (err) {
    const a = live();
    if (a) {
      a.status = 'error';
      a.error = errorMessage(err);
    }
  }
}

/** What goes into the request and onto the stored user message. */
export function toRequestFiles(list: Attachment[]): Record<string, unknown>[] {
  return list
    .filter((a) => a.status === 'ready' && a.id)
    .map((a) => ({ type: a.type, id: a.id, name: a.name, size: a.size, status: 'uploaded', itemId: a.itemId }));
}

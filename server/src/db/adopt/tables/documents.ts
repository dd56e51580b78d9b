import { withGrants } from './access.js';
import { childList, extend, list } from './extend.js';
import { jsonObject } from '../values.js';
import { verbatim } from './verbatim.js';

/**
 * Files and knowledge bases (migration 006) keep Open WebUI's names and columns. The uploaded bytes
 * stay where `file.path` names them (the volume's `uploads/`); their text is in `file.data.content`.
 * A file with text is carried as `status: pending`: the documents feature re-queues pending files at
 * start-up and indexes that text into our vector store (the original's vectors are not ours to read).
 */
const fileBase = verbatim(
  'file',
  {
    id: 'text',
    user_id: 'text',
    hash: 'text',
    filename: 'text',
    path: 'text',
    data: 'json',
    meta: 'json',
    access_control: 'json',
    created_at: 'epoch',
    updated_at: 'epoch',
  },
  { required: ['id', 'user_id'], defaults: { created_at: 0 } },
);

function queueText(values: Record<string, unknown>): void {
  values.filename ??= values.id;
  const data = jsonObject(values.data);
  if (!data || typeof data.content !== 'string' || !data.content.trim()) return;
  values.data = JSON.stringify({ ...data, status: 'pending' });
}

export const file = extend(fileBase, { sqlite: {}, postgres: {} }, queueText);
export const fileWithGrants = withGrants(fileBase, 'file', queueText);

export const knowledge = verbatim('knowledge', {
  id: 'text',
  user_id: 'text',
  name: 'text',
  description: 'text',
  data: 'json',
  meta: 'json',
  access_control: 'json',
  created_at: 'epoch',
  updated_at: 'epoch',
});

/** 0.6.41+: a knowledge base's files are rows of `knowledge_file`; `data.file_ids` only where the row lacks them. */
const fileIds = (values: Record<string, unknown>, row: Record<string, unknown>) => {
  const ids = list(row.__file_ids).map(String);
  const data = jsonObject(values.data);
  if (Array.isArray(data?.file_ids) || (ids.length === 0 && !data)) return;
  values.data = JSON.stringify({ ...(data ?? {}), file_ids: ids });
};
const filesOf = childList('__file_ids', 'knowledge', 'knowledge_file', 'knowledge_id', 'file_id');
export const knowledgeWithFiles = extend(knowledge, filesOf, fileIds);
export const knowledgeWithFilesAndGrants = withGrants(extend(knowledge, filesOf, fileIds), 'knowledge');

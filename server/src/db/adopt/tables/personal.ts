import { verbatim } from './verbatim.js';

/**
 * Folders, feedback (evaluations) and memories, with the original's 0.6.34 columns. Until our schema
 * has these tables they are reported as not carried; once it does, they come across as they are.
 * 0.10's extra memory columns (type, path, meta) are reported as columns not carried.
 */
export const folder = verbatim('folder', {
  id: 'text',
  parent_id: 'text',
  user_id: 'text',
  name: 'text',
  items: 'json',
  meta: 'json',
  data: 'json',
  is_expanded: 'bool',
  created_at: 'epoch',
  updated_at: 'epoch',
}, { required: ['id', 'user_id'], defaults: { is_expanded: false, created_at: 0, updated_at: 0 } });

export const feedback = verbatim('feedback', {
  id: 'text',
  user_id: 'text',
  version: 'int',
  type: 'text',
  data: 'json',
  meta: 'json',
  snapshot: 'json',
  created_at: 'epoch',
  updated_at: 'epoch',
}, { defaults: { created_at: 0, updated_at: 0 } });

export const memory = verbatim('memory', {
  id: 'text',
  user_id: 'text',
  content: 'text',
  created_at: 'epoch',
  updated_at: 'epoch',
}, { required: ['id', 'user_id'], defaults: { content: '', created_at: 0, updated_at: 0 } });

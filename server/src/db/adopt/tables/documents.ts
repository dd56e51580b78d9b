import { verbatim } from './verbatim.js';

/**
 * Files and knowledge bases (migration 006) keep Open WebUI's names and columns. The uploaded bytes
 * stay where `file.path` names them (the volume's `uploads/`); their text is in `file.data.content`.
 */
export const file = verbatim('file', {
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
});

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

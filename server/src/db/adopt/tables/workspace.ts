import { verbatim } from './verbatim.js';

/**
 * Workspace tables (migration 005) keep Open WebUI's names and columns, so they are carried as they
 * are. `prompt.id` is left to our sequence (prompts are addressed by `command`; copying the ids would
 * leave PostgreSQL's sequence behind them). 0.6.41 moved `group.user_ids` into `group_member` and 0.8
 * moved `access_control` into `access_grant`: those ranges need folding mappings, not these.
 */
export const model = verbatim('model', {
  id: 'text',
  user_id: 'text',
  base_model_id: 'text',
  name: 'text',
  meta: 'json',
  params: 'json',
  access_control: 'json',
  is_active: 'bool',
  created_at: 'epoch',
  updated_at: 'epoch',
});

export const prompt = verbatim(
  'prompt',
  { command: 'text', user_id: 'text', title: 'text', content: 'text', timestamp: 'epoch', access_control: 'json' },
  { required: ['command'] },
);

export const group = verbatim('group', {
  id: 'text',
  user_id: 'text',
  name: 'text',
  description: 'text',
  data: 'json',
  meta: 'json',
  permissions: 'json',
  user_ids: 'json',
  created_at: 'epoch',
  updated_at: 'epoch',
});

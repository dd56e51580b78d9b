import { withGrants } from './access.js';
import { childList, extend, list } from './extend.js';
import type { TableMapping } from '../types.js';
import { epochSeconds, text } from '../values.js';
import { verbatim } from './verbatim.js';

/**
 * Workspace tables (migration 005) keep Open WebUI's names and columns, so they are carried as they
 * are. `prompt.id` is left to our sequence (prompts are addressed by `command`; copying the ids would
 * leave PostgreSQL's sequence behind them). Newer schemas moved parts into child tables; the variants
 * below fold those back: `group_member` (0.6.37) into `group.user_ids`, `access_grant` (0.8) into
 * `access_control`, and 0.8's reshaped `prompt` back into command/title/timestamp.
 */
export const model = verbatim(
  'model',
  {
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
  },
  // 0.10 made these nullable; ours are NOT NULL.
  { required: ['id', 'user_id'], defaults: { meta: '{}', params: '{}', is_active: true, created_at: 0, updated_at: 0 } },
);

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

/** 0.6.37+: the members are rows of `group_member`, oldest first, as `user_ids` listed them. */
export const groupWithMembers = extend(group, childList('__member_ids', 'group', 'group_member', 'group_id', 'user_id'), (values, row) => {
  values.user_ids = JSON.stringify(list(row.__member_ids).map(String));
});

export const modelWithGrants = withGrants(model, 'model', (values) => {
  values.name ??= values.id;
});

/**
 * 0.8's prompt: a uuid `id`, `command` without its leading slash, `name` for the title, edits in
 * `prompt_history` (the row itself is the current version, which is what is carried).
 */
const prompt08: TableMapping = {
  source: 'prompt',
  targets: ['prompt'],
  // id/version_id point into the history we do not carry; is_active has no column of ours.
  columns: ['id', 'command', 'user_id', 'name', 'content', 'created_at', 'updated_at', 'version_id', 'is_active'],
  map(row) {
    const raw = text(row.command)?.trim();
    if (!raw) return { writes: [], issues: [`prompt ${text(row.id) ?? '?'} without command`] };
    const command = raw.startsWith('/') ? raw : `/${raw}`;
    const values = {
      command,
      user_id: text(row.user_id) ?? '',
      title: text(row.name) ?? command.slice(1),
      content: text(row.content) ?? '',
      timestamp: epochSeconds(row.updated_at ?? row.created_at, 0),
      access_control: null as string | null,
    };
    return { writes: [{ op: 'insert', table: 'prompt', values }] };
  },
};
export const promptWithGrants = withGrants(prompt08, 'prompt');

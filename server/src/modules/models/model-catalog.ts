/**
 * The model list as users see it: the merged base models (ModelsService) with the model records laid
 * over them the way the original's get_all_models does, then filtered by the access rule.
 * - a record without base: renames the base model of that id (or the Ollama model whose name before
 *   ':' is that id) and attaches itself as `info`; an inactive one hides the model;
 * - an active preset is added as its own entry (`preset: true`, `owned_by` of its base).
 * `info.meta.profile_image_url` is left out (the picker loads `/api/v1/models/model/profile/image?id=`),
 * which keeps the list small when images are data URLs.
 */
import type { ModelItem, ModelRecord, UserModel } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ModelAccess } from './model-access.js';
import { sortModels } from './models.service.js';
import { derivedPer } from '../../config/derived.js';

type Json = Record<string, unknown>;

function info(record: ModelRecord): Json {
  const { profile_image_url: _image, ...meta } = record.meta as Json;
  return { ...record, meta };
}

const baseName = (item: ModelItem) => (item.owned_by === 'ollama' ? item.id.split(':')[0] : undefined);

export function applyModelRecords(models: ModelItem[], records: Iterable<ModelRecord>): ModelItem[] {
  let out = [...models];
  for (const record of records) {
    if (record.base_model_id === null) {
      const matches = (m: ModelItem) => m.id === record.id || baseName(m) === record.id;
      if (!record.is_active) out = out.filter((m) => !matches(m));
      else out = out.map((m) => (matches(m) ? { ...m, name: record.name, info: info(record), action_ids: [], filter_ids: [] } : m));
      continue;
    }
    if (!record.is_active || out.some((m) => m.id === record.id)) continue;
    const base = out.find((m) => m.id === record.base_model_id || m.id.split(':')[0] === record.base_model_id);
    out.push({
      id: record.id,
      name: record.name,
      object: 'model',
      created: record.created_at,
      owned_by: base?.owned_by ?? 'openai',
      info: info(record),
      preset: true,
      action_ids: [],
      filter_ids: [],
    } as ModelItem);
  }
  return out;
}

// The base list, the records (a shared read, db/shared-read.ts) and the order are the same objects until
// one changes: the records applied and sorted are kept with them, per context (config/derived.ts).
const withRecords = derivedPer<ModelItem[]>();

/** What `/api/models` answers this user: records applied, sorted, filtered by access. */
export async function visibleModels(ctx: AppContext, user: Pick<UserModel, 'id' | 'role'>, base: ModelItem[]): Promise<ModelItem[]> {
  const access = await ModelAccess.load(ctx, user);
  const order = ctx.settings.get('MODEL_ORDER_LIST');
  const merged = withRecords(ctx, [base, access.records, order], () => sortModels(applyModelRecords(base, access.records.values()), order));
  return access.filter(merged, (m) => m.id);
}

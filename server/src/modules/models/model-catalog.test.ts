import { describe, expect, it } from 'vitest';
import type { ModelItem, ModelRecord } from '@owui/contracts';
import { applyModelRecords } from './model-catalog.js';

const item = (id: string, owned_by = 'ollama'): ModelItem => ({ id, name: id, object: 'model', created: 1, owned_by });
const rec = (id: string, extra: Partial<ModelRecord> = {}): ModelRecord => ({
  id,
  user_id: 'u',
  base_model_id: null,
  name: `Named ${id}`,
  params: {},
  meta: { profile_image_url: 'data:image/png;base64,AAAA', description: 'd' },
  access_control: null,
  is_active: true,
  created_at: 5,
  updated_at: 5,
  ...extra,
});

describe('applyModelRecords', () => {
  it('decorates a base model (also an Ollama model named without its tag) and drops the image from info', () => {
    const out = applyModelRecords([item('llama3:latest'), item('gpt-4o', 'openai')], [rec('llama3'), rec('gpt-4o')]);
    expect(out.map((m) => m.name)).toEqual(['Named llama3', 'Named gpt-4o']);
    expect((out[0]!.info as { meta: Record<string, unknown> }).meta).toEqual({ description: 'd' });
  });

  it('an inactive base record hides the model; a preset is added with its base owner', () => {
    const out = applyModelRecords([item('a:latest'), item('b', 'openai')], [rec('a:latest', { is_active: false }), rec('bot', { base_model_id: 'b' }), rec('off', { base_model_id: 'b', is_active: false })]);
    expect(out.map((m) => m.id)).toEqual(['b', 'bot']);
    expect(out[1]).toMatchObject({ id: 'bot', name: 'Named bot', owned_by: 'openai', preset: true, created: 5 });
  });
});

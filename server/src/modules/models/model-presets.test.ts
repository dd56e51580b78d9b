import { describe, expect, it } from 'vitest';
import type { ModelRecord } from '@owui/contracts';
import { applyPresetOllama, applyPresetOpenAI, applyPresetToChatRequest, fillTemplate, mergeSystem } from './model-presets.js';

const record = (params: Record<string, unknown>, base: string | null = 'llama3:latest'): ModelRecord => ({
  id: 'bot',
  user_id: 'u',
  base_model_id: base,
  name: 'Bot',
  params,
  meta: {},
  access_control: null,
  is_active: true,
  created_at: 0,
  updated_at: 0,
});
const user = { id: 'u1', name: 'Olive', role: 'user' as const };

describe('presets', () => {
  it('merges the system prompt like add_or_update_system_message', () => {
    expect(mergeSystem([{ role: 'user', content: 'hi' }], 'S')).toEqual([{ role: 'system', content: 'S' }, { role: 'user', content: 'hi' }]);
    expect(mergeSystem([{ role: 'system', content: 'A' }], 'S')).toEqual([{ role: 'system', content: 'S\nA' }]);
    expect(mergeSystem([{ role: 'system', content: [{ type: 'text', text: 'A' }] }], 'S')).toEqual([{ role: 'system', content: [{ type: 'text', text: 'S\nA' }] }]);
  });

  it('fills template and metadata variables', () => {
    expect(fillTemplate('Hi {{USER_NAME}}, {{name}}', user, { name: 'x' })).toBe('Hi Olive, x');
    expect(fillTemplate('{{CURRENT_DATE}}', null)).toMatch(/^\d{4}-\d\d-\d\d$/);
  });

  it('OpenAI bodies: base model, known params unless set, custom_params parsed', () => {
    const out = applyPresetOpenAI({ model: 'bot', messages: [], temperature: 0.9 }, record({ temperature: 0.1, top_p: 0.5, num_ctx: 8, custom_params: { seed: '42' } }), user);
    expect(out).toMatchObject({ model: 'llama3:latest', temperature: 0.9, top_p: 0.5, seed: 42 });
    expect(out.num_ctx).toBeUndefined();
  });

  it('Ollama bodies: options (max_tokens -> num_predict), root keys, system for generate', () => {
    const out = applyPresetOllama({ model: 'bot', prompt: 'x', options: { top_k: 3 } }, record({ system: 'S {{USER_NAME}}', max_tokens: 9, top_k: 1, keep_alive: '5m' }), user);
    expect(out).toEqual({ model: 'llama3:latest', prompt: 'x', options: { top_k: 3, num_predict: 9 }, keep_alive: '5m', system: 'S Olive' });
  });

  it('chat requests: preset params under the request params; the request wins', () => {
    const out = applyPresetToChatRequest({ model: 'bot', messages: [{ role: 'user', content: 'hi' }], params: { temperature: 0.7 } }, record({ system: 'S', temperature: 0.1, top_p: 0.2 }), user);
    expect(out.model).toBe('llama3:latest');
    expect(out.params).toEqual({ top_p: 0.2, temperature: 0.7 });
    expect((out.messages as unknown[])[0]).toEqual({ role: 'system', content: 'S' });
  });

  it('never copies __proto__ from stored params', () => {
    const params = JSON.parse('{"__proto__": {"polluted": true}, "custom_params": {"__proto__": "{\\"x\\":1}"}}');
    const out = applyPresetOllama({ model: 'bot', messages: [] }, record(params), user);
    expect(Object.getPrototypeOf(out.options ?? {})).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { cleanTitle, extractJson, renderMoaTemplate, renderTemplate } from './task-prompts.js';

const msgs = [
  { role: 'user', content: 'one' },
  { role: 'assistant', content: 'two' },
  { role: 'user', content: [{ type: 'image_url' }, { type: 'text', text: 'three' }] },
  { role: 'assistant', content: 'four' },
];

describe('task prompt templates', () => {
  it('renders the original message variables', () => {
    expect(renderTemplate('{{MESSAGES}}', msgs, { name: 'Ada' })).toBe('USER: one\nASSISTANT: two\nUSER: three\nASSISTANT: four');
    expect(renderTemplate('{{MESSAGES:START:1}}', msgs, { name: 'Ada' })).toBe('USER: one');
    expect(renderTemplate('{{MESSAGES:END:2}}', msgs, { name: 'Ada' })).toBe('USER: three\nASSISTANT: four');
    expect(renderTemplate('{{MESSAGES:MIDDLETRUNCATE:2}}', msgs, { name: 'Ada' })).toBe('USER: one\nASSISTANT: four');
    expect(renderTemplate('{{MESSAGES:MIDDLETRUNCATE:9}}', msgs.slice(0, 1), { name: 'Ada' })).toBe('USER: one');
    expect(renderTemplate('Hi {{USER_NAME}} on {{CURRENT_DATE}}', [], { name: 'Ada' }, new Date('2025-03-04T05:06:07Z'))).toBe('Hi Ada on 2025-03-04');
  });

  it('finds the JSON answer inside prose or code fences, or nothing', () => {
    expect(extractJson('Sure! ```json\n{"title": "X"}\n``` done')).toEqual({ title: 'X' });
    expect(extractJson('no json here')).toBeNull();
    expect(extractJson('{broken')).toBeNull();
    expect(extractJson('[1,2]')).toBeNull();
  });

  it('strips markdown from titles and caps their length', () => {
    expect(cleanTitle('# **Bold** `code` [link](http://x) ![img](y)')).toBe('Bold code link');
    expect(cleanTitle('"Quoted"')).toBe('Quoted');
    expect(cleanTitle('a'.repeat(100))).toHaveLength(81);
  });
});

describe('merge responses template', () => {
  it('fills the prompt variants and quotes each response', () => {
    expect(renderMoaTemplate('Q: {{prompt}}\n{{responses}}', 'Why?', ['A', 'B'])).toBe('Q: Why?\n"""A"""\n\n"""B"""');
    expect(renderMoaTemplate('{{prompt:start:3}}|{{prompt:end:2}}|{{prompt:middletruncate:4}}', 'abcdefgh', [])).toBe('abc|gh|ab...gh');
  });
});

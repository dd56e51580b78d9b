import { describe, expect, it } from 'vitest';
import type { UserModel } from '@owui/contracts';
import { DEFAULT_QUERY_GENERATION_PROMPT_TEMPLATE, fillQueryTemplate, parseQueries } from './queries.js';
import { filterByDomain } from './providers/types.js';

const user = { name: 'Ada' } as UserModel;

describe('query generation', () => {
  it('fills the template: the last 6 messages, the date, the prompt', () => {
    const messages = Array.from({ length: 8 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `m${i}` })) as never;
    const out = fillQueryTemplate(DEFAULT_QUERY_GENERATION_PROMPT_TEMPLATE, messages, user, new Date(2026, 0, 5));
    expect(out).toContain("Today's date is: 2026-01-05.");
    expect(out).toContain('<chat_history>\nUSER: m2\nASSISTANT: m3\nUSER: m4\nASSISTANT: m5\nUSER: m6\nASSISTANT: m7\n</chat_history>');
    expect(out).not.toContain('m1');
    expect(fillQueryTemplate('{{prompt}} / {{prompt:end:2}} / {{USER_NAME}}', [{ role: 'user', content: 'hello' }] as never, user)).toBe('hello / lo / Ada');
  });

  it('parses the answer as the original does', () => {
    expect(parseQueries('Sure! {"queries": ["a", " b ", 3]} done')).toEqual(['a', 'b']);
    expect(parseQueries('{"queries": []}')).toEqual([]);
    expect(parseQueries('{"other": 1}')).toEqual([]);
    expect(parseQueries('just search this')).toEqual(['just search this']);
    expect(parseQueries('{broken json')).toEqual(['{broken json']);
    expect(parseQueries('   ')).toBeNull();
  });

  it('the domain filter keeps hosts ending with a listed domain and drops non-http links', () => {
    const r = [{ link: 'https://en.wikipedia.org/x' }, { link: 'https://evil.example/wikipedia.org' }, { link: 'javascript:alert(1)' }, { link: 'not a url' }];
    expect(filterByDomain(r, ['wikipedia.org'])).toEqual([{ link: 'https://en.wikipedia.org/x' }]);
    expect(filterByDomain(r, [])).toHaveLength(4);
  });
});

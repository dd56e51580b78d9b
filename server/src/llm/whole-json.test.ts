import { describe, expect, it } from 'vitest';
import { isWholeJson } from './whole-json.js';

describe('isWholeJson', () => {
  it('accepts whole documents of every kind, with surrounding whitespace', () => {
    for (const text of ['{}', '[]', ' {"a":[1,2]}\n', '\t[{"b":null}]\r\n', '"text"', '0', '12.5', 'true', 'null', ' false ']) {
      expect(isWholeJson(text), JSON.stringify(text)).toBe(true);
    }
  });
  it('refuses pages, empty bodies and documents cut short', () => {
    for (const text of ['', '   ', '<html><body>Bad gateway</body></html>', 'not json{{', '{"id":"chatcmpl-1","choices":[{"message":{"content":"trunc', '[1,2', '"open', '{', 'tru', '12abc']) {
      expect(isWholeJson(text), JSON.stringify(text)).toBe(false);
    }
  });
});

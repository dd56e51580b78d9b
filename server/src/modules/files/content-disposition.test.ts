import { describe, expect, it } from 'vitest';
import { contentDisposition, globMatch, isActiveContent, safeContentType } from './content-disposition.js';

describe('file response helpers', () => {
  it('content-disposition survives quotes, slashes and non-ASCII names', () => {
    expect(contentDisposition('a"b\\c.txt', false)).toBe(`inline; filename="a_b_c.txt"; filename*=UTF-8''a%22b%5Cc.txt`);
    expect(contentDisposition('报告.pdf', true)).toBe(`attachment; filename="__.pdf"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf`);
  });

  it('content types: active ones detected, malformed ones replaced', () => {
    expect(isActiveContent('text/html; charset=utf-8')).toBe(true);
    expect(isActiveContent('image/svg+xml')).toBe(true);
    expect(isActiveContent('application/pdf')).toBe(false);
    expect(safeContentType('text/plain; charset=utf-8')).toBe('text/plain; charset=utf-8');
    expect(safeContentType('text/plain\r\nX-Evil: 1')).toBe('application/octet-stream');
    expect(safeContentType(null)).toBe('application/octet-stream');
  });

  it('glob matching is linear and case-insensitive', () => {
    expect(globMatch('dra*', 'Draft.txt')).toBe(true);
    expect(globMatch('*.pdf', 'a.PDF')).toBe(true);
    expect(globMatch('a?c', 'abc')).toBe(true);
    expect(globMatch('a?c', 'abbc')).toBe(false);
    const t = Date.now();
    expect(globMatch('*a'.repeat(200) + 'b', 'a'.repeat(255))).toBe(false);
    expect(Date.now() - t).toBeLessThan(200);
  });
});

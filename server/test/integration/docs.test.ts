import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const docs = path.resolve(__dirname, '../../../docs');

/** docs/zh-CN mirrors every English page, and no relative link in the docs points at a missing file. */
describe('docs', () => {
  const pages = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.md'));

  it('has a zh-CN page for every English page', () => {
    expect(pages(path.join(docs, 'zh-CN')).sort()).toEqual(pages(docs).sort());
  });

  it('has no broken relative links', () => {
    const broken: string[] = [];
    for (const dir of [docs, path.join(docs, 'zh-CN'), path.dirname(docs)]) {
      for (const page of pages(dir)) {
        const text = fs.readFileSync(path.join(dir, page), 'utf8');
        for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
          const target = m[1]!.split('#')[0]!;
          if (!target || /^[a-z]+:/i.test(target)) continue;
          if (!fs.existsSync(path.resolve(dir, target))) broken.push(`${path.relative(docs, path.join(dir, page))} -> ${m[1]}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});

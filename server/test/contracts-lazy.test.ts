import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { lazy, real } from '../../contracts/src/lazy.ts';
import { ChatForm, ChatImportForm, ChatsImportForm, SigninForm } from '@owui/contracts';

/** contracts' schemas are built at first use (contracts/src/lazy.ts); they must behave as the schema itself. */
describe('lazy contract schemas', () => {
  it('builds once, at the first read, not when declared or registered on a route', async () => {
    let builds = 0;
    const X = lazy(() => (builds++, z.object({ a: z.string() })));
    expect(builds).toBe(0);
    const app = Fastify();
    app.setValidatorCompiler(({ schema }) => (data) => {
      const r = (schema as z.ZodType).safeParse(data);
      return r.success ? { value: r.data } : { error: new Error(r.error.issues[0]!.message) };
    });
    app.post('/x', { schema: { body: X } }, async (req) => req.body);
    await app.ready();
    expect(builds).toBe(0);
    const ok = await app.inject({ method: 'POST', url: '/x', payload: { a: 'b', extra: 1 } });
    expect(ok.json()).toEqual({ a: 'b' });
    const bad = await app.inject({ method: 'POST', url: '/x', payload: { a: 1 } });
    expect(bad.statusCode).toBe(400);
    expect(builds).toBe(1);
    await app.close();
  });

  it('parses, fails, nests and derives exactly like the schema it stands for', () => {
    const eager = z.object({ n: z.number().int(), s: z.string().min(2) });
    const X = lazy(() => z.object({ n: z.number().int(), s: z.string().min(2) }));
    for (const v of [{ n: 1, s: 'ab' }, { n: 1.5, s: 'a' }, null, { n: '1' }]) {
      expect(JSON.stringify(X.safeParse(v))).toBe(JSON.stringify(eager.safeParse(v)));
    }
    const nested = z.object({ x: X, xs: z.array(X).optional(), o: X.optional() });
    expect(nested.safeParse({ x: { n: 1, s: 'ab' }, o: undefined }).success).toBe(true);
    expect(nested.safeParse({ x: { n: 1, s: 'a' } }).error?.issues[0]?.path).toEqual(['x', 's']);
    expect(X.extend({ t: z.boolean() }).parse({ n: 1, s: 'ab', t: true })).toEqual({ n: 1, s: 'ab', t: true });
    expect(Object.keys(X.shape)).toEqual(['n', 's']);
    expect(X instanceof z.ZodObject).toBe(true);
    expect(X.parse === X.parse).toBe(true);
    expect(z.toJSONSchema(X)).toEqual(z.toJSONSchema(eager));
  });

  it('keeps the contracts themselves working (real schemas from @owui/contracts)', () => {
    expect(ChatForm.safeParse({ chat: { title: 't' } }).success).toBe(true);
    expect(ChatForm.safeParse({ chat: 1 }).error?.issues[0]?.message).toBe('Invalid input: expected record, received number');
    expect(SigninForm.safeParse({ email: 'a@b.c' }).success).toBe(false);
  });

  it('nests the built schema, not the Proxy, where a contract uses another one (real())', () => {
    const element = ChatsImportForm.shape.chats.element;
    expect(element).toBe(real(ChatImportForm));
    expect(element).not.toBe(ChatImportForm);
    expect(real(element)).toBe(element);
    expect(real('not a schema')).toBe('not a schema');
  });
});

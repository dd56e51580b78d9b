import { expect } from 'vitest';
import type { Fixture } from './openwebui-fixture.js';
import type { TestServer } from './test-server.js';

/** One row by a query with `?` placeholders, from whichever database the adopted data is in. */
export type ReadRow = (sql: string, arg: string) => Promise<Record<string, any> | undefined>;

// PostgreSQL hands back json columns parsed and bigints as text; SQLite gives text and numbers.
const j = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

/** Model, prompt, group and knowledge rows as the fixture wrote them, read back from our tables. */
export async function expectWorkspace(fx: Fixture, one: ReadRow): Promise<void> {
  const ws = fx.workspace;
  const team = (await one(`select * from model where id = ?`, 'team-llama'))!;
  expect(team).toMatchObject({ user_id: 'u-admin', base_model_id: 'llama3:8b', name: 'Team Llama' });
  expect([Number(team.created_at), Number(team.updated_at)]).toEqual([1700000000, 1700000005]);
  expect(j(team.meta)).toEqual({ profile_image_url: '/static/favicon.png', description: 'Team Llama for the team', capabilities: { vision: false } });
  expect(j(team.params)).toEqual({ temperature: 0.2, system: 'You are terse.' });
  expect(j(team.access_control)).toEqual(ws.modelAcl);
  expect(j((await one(`select access_control from model where id = ?`, 'public-llama'))!.access_control)).toBeNull();

  const prompt = (await one(`select * from prompt where command = ?`, ws.prompt.command))!;
  expect(prompt).toMatchObject({ user_id: 'u-admin', title: ws.prompt.title, content: ws.prompt.content });
  expect(Number(prompt.timestamp)).toBe(1700000007);
  expect(j(prompt.access_control)).toBeNull();

  const group = (await one(`select * from "group" where id = ?`, 'g-team'))!;
  expect(group).toMatchObject({ name: 'Team', description: 'Everyone on the team', user_id: 'u-admin' });
  expect(j(group.user_ids)).toEqual(ws.members);
  expect(j(group.permissions)).toEqual({ workspace: { models: true } });

  const kb = (await one(`select * from knowledge where id = ?`, 'kb-handbook'))!;
  expect(kb).toMatchObject({ name: 'Handbook', description: 'Team handbook', user_id: 'u-admin' });
  expect(j(kb.data).file_ids).toEqual(['file-fact']);
  expect(j(kb.access_control)).toEqual(ws.knowledgeAcl);
}

/** Polls `query/doc` on the adopted file's collection until the background indexing has run. */
export async function findFact(server: TestServer, token: string, fact: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await server.request('POST', '/api/v1/retrieval/query/doc', { token, body: { collection_name: 'file-file-fact', query: 'What is the staging cluster called?' } });
    const body = await res.text();
    if (res.status === 200) {
      const hit = (JSON.parse(body) as { documents: string[][] }).documents[0]?.find((d) => d.includes(fact.slice(0, 30)));
      if (hit) return hit;
    }
    if (Date.now() > deadline) throw new Error(`the adopted file was not indexed: ${res.status} ${body.slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

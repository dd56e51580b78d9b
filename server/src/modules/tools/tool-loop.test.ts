import { describe, expect, it } from 'vitest';
import { runToolLoop, toolCallBlock } from './tool-loop.js';
import type { ToolSet } from './tool-set.js';

type Json = Record<string, any>;

function setWith(calls: Json[]): ToolSet & { closed: boolean } {
  const s = {
    closed: false,
    problems: [],
    tools: new Map([
      ['echo', { toolId: 'server:x', spec: { name: 'echo', parameters: { type: 'object', properties: { v: { type: 'string' } } } }, call: async (a: Json) => (calls.push(a), { content: JSON.stringify({ echoed: a.v }), error: false }) }],
    ]),
    async close() {
      s.closed = true;
    },
  };
  return s;
}

const delta = (d: Json, finish: string | null = null) => ({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: d, finish_reason: finish }] });

describe('the native tool loop', () => {
  it('folds streamed fragments and several whole calls into calls, runs them, and sends the results back', async () => {
    const executed: Json[] = [];
    const set = setWith(executed);
    const seen: Json[][] = [];
    const rounds = [
      [
        delta({ role: 'assistant', content: 'Let me check. ' }),
        delta({ tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'echo', arguments: '' } }] }),
        delta({ tool_calls: [{ index: 0, function: { arguments: '{"v":' } }] }),
        delta({ tool_calls: [{ index: 0, function: { arguments: '"one"}' } }] }),
        // Ollama-translated: a second whole call in its own chunk, index 0 again but a new id
        delta({ tool_calls: [{ index: 0, id: 'b', type: 'function', function: { name: 'echo', arguments: '{"v":"two"}' } }] }),
        delta({}, 'tool_calls'),
      ],
      [delta({ content: 'Done.' }), delta({}, 'stop')],
    ];
    const out: Json[] = [];
    for await (const c of runToolLoop([{ role: 'user', content: 'hi' }], set, (messages) => {
      seen.push(structuredClone(messages));
      return (async function* () {
        yield* rounds.shift()!;
      })();
    }, { maxRounds: 5, events: true })) out.push(c);

    expect(executed).toEqual([{ v: 'one' }, { v: 'two' }]);
    const second = seen[1]!;
    expect(second.at(-3)).toEqual({
      role: 'assistant',
      content: 'Let me check. ',
      tool_calls: [
        { id: 'a', type: 'function', function: { name: 'echo', arguments: '{"v":"one"}' } },
        { id: 'b', type: 'function', function: { name: 'echo', arguments: '{"v":"two"}' } },
      ],
    });
    expect(second.at(-1)).toEqual({ role: 'tool', tool_call_id: 'b', name: 'echo', content: '{"echoed":"two"}' });
    const text = out.map((c) => c.choices?.[0]?.delta?.content ?? '').join('');
    expect(text).toContain('Let me check. \n<details type="tool_calls" done="true" id="a" name="echo"');
    expect(text.endsWith('Done.')).toBe(true);
    expect(out.filter((c) => c.event?.type === 'status').map((c) => c.event.data.description)).toEqual(['Running tool echo', 'Ran tool echo', 'Running tool echo', 'Ran tool echo']);
    const running = out.find((c) => c.event?.type === 'chat:completion')!.event.data.content as string;
    expect(running).toBe('Let me check. \n' + ['a', 'b'].map((id) => `<details type="tool_calls" done="false" id="${id}" name="echo" arguments="${id === 'a' ? '&quot;{\\&quot;v\\&quot;:\\&quot;one\\&quot;}&quot;' : '&quot;{\\&quot;v\\&quot;:\\&quot;two\\&quot;}&quot;'}">\n<summary>Executing...</summary>\n</details>\n`).join(''));
    // No raw tool_calls or a "tool_calls" finish reach the client; the set is closed.
    expect(out.some((c) => c.choices?.[0]?.delta?.tool_calls || c.choices?.[0]?.finish_reason === 'tool_calls')).toBe(false);
    expect(set.closed).toBe(true);
  });

  it('escapes attribute values so a result cannot break out of the block', () => {
    const block = toolCallBlock({ id: 'x"y', name: '<b>', arguments: '{"a":"\\"<"}' }, { content: '"><script>alert(1)</script>', error: false });
    expect(block).not.toContain('<script>');
    expect(block).not.toContain('<b>');
    expect(block.match(/"/g)!.length % 2).toBe(0);
  });
});

/**
 * A reply with tool calls holds the original's `<details type="tool_calls" ...>` blocks between its
 * text. This splits the content so text goes to the markdown renderer and each call to its own view.
 */
export interface ToolCallView {
  id: string;
  name: string;
  done: boolean;
  arguments: string;
  result: string | null;
}

export type Segment = { kind: 'text'; text: string } | { kind: 'tool'; call: ToolCallView };

const BLOCK = /<details\s+type="tool_calls"([^>]*)>[\s\S]*?<\/details>\n?/g;
const ATTR = /(\w+)="([^"]*)"/g;

function unescape(s: string): string {
  return s.replace(/&(quot|amp|lt|gt|#x27|#39);/g, (_, e: string) => ({ quot: '"', amp: '&', lt: '<', gt: '>', '#x27': "'", '#39': "'" })[e]!);
}

/** Attribute values are JSON (a JSON string of the arguments, the result): show them as readable text. */
function readable(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  let v: unknown = unescape(raw);
  for (let i = 0; i < 2 && typeof v === 'string'; i++) {
    try {
      v = JSON.parse(v);
    } catch {
      break;
    }
  }
  return typeof v === 'string' ? v : JSON.stringify(v, null, 2);
}

export function splitToolCalls(content: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of content.matchAll(BLOCK)) {
    if (m.index! > last) out.push({ kind: 'text', text: content.slice(last, m.index) });
    const attrs = new Map<string, string>();
    for (const a of m[1]!.matchAll(ATTR)) attrs.set(a[1]!, a[2]!);
    out.push({
      kind: 'tool',
      call: {
        id: unescape(attrs.get('id') ?? ''),
        name: unescape(attrs.get('name') ?? ''),
        done: attrs.get('done') === 'true',
        arguments: readable(attrs.get('arguments')) ?? '',
        result: readable(attrs.get('result')),
      },
    });
    last = m.index! + m[0].length;
  }
  if (last < content.length) out.push({ kind: 'text', text: content.slice(last) });
  return out.filter((s) => s.kind === 'tool' || s.text.trim() !== '');
}

/**
 * What earlier replies look like when sent back to the model: each call block becomes its quoted result,
 * as the original UI's processDetails does, so the model does not read markup.
 */
export function toolCallsForModel(content: string): string {
  if (!content.includes('<details type="tool_calls"')) return content;
  return content.replace(BLOCK, (_m, attrs: string) => {
    const result = /\bresult="([^"]*)"/.exec(attrs)?.[1];
    return result === undefined ? '' : `"${result}"\n`;
  });
}

import { getToken, throwIfNotOk } from '../api/client';

/**
 * The transport of a reply: today an SSE stream from `POST /api/chat/completions` (OpenAI chunk
 * format). Issue 7 swaps this for socket-delivered events; callers only see `onDelta` and the promise.
 */
export interface CompletionRequest {
  model: string;
  messages: { role: string; content: string }[];
  chat_id?: string;
  id?: string;
  parent_id?: string | null;
}

export interface StreamResult {
  usage?: Record<string, unknown>;
  aborted: boolean;
}

export async function streamCompletion(
  body: CompletionRequest,
  onDelta: (text: string) => void,
  signal: AbortSignal,
): Promise<StreamResult> {
  const token = getToken();
  let res: Response;
  try {
    res = await fetch('/api/chat/completions', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ ...body, stream: true }),
      signal,
    });
  } catch (err) {
    if (signal.aborted) return { aborted: true };
    throw err;
  }
  await throwIfNotOk(res);

  // A non-streamed JSON answer is accepted too (e.g. a proxy that buffered it).
  if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    const json = await res.json();
    const content = json?.choices?.[0]?.message?.content;
    if (typeof content === 'string') onDelta(content);
    return { usage: json?.usage, aborted: false };
  }

  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let usage: Record<string, unknown> | undefined;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).replace(/\r$/, '');
        buffer = buffer.slice(nl + 1);
        if (!line.startsWith('data:')) continue;
        const data = line.slice(5).trim();
        if (!data || data === '[DONE]') continue;
        let chunk: any;
        try {
          chunk = JSON.parse(data);
        } catch {
          continue;
        }
        // Upstream errors can arrive inside the stream after the 200.
        if (chunk.error) throw new Error(typeof chunk.error === 'string' ? chunk.error : (chunk.error.message ?? JSON.stringify(chunk.error)));
        if (chunk.detail) throw new Error(String(chunk.detail));
        const delta = chunk.choices?.[0]?.delta?.content;
        if (typeof delta === 'string' && delta) onDelta(delta);
        if (chunk.usage) usage = chunk.usage;
      }
    }
  } catch (err) {
    if (signal.aborted) return { usage, aborted: true };
    throw err;
  }
  return { usage, aborted: false };
}

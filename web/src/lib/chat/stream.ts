import { getToken, http, throwIfNotOk } from '../api/client';
import { onChatEvent, onReconnect } from './realtime';

/**
 * The transports of a reply. The chat uses the socket-delivered mode (`socketCompletion`: the POST
 * answers `{status, task_id}` and the text arrives as socket `events`); `streamCompletion`, an SSE stream
 * of OpenAI chunks, is the fallback when no socket is connected or the chat is temporary (`local:`).
 */
export interface CompletionRequest {
  model: string;
  messages: { role: string; content: string }[];
  chat_id?: string;
  id?: string;
  parent_id?: string | null;
  /** Attached documents and knowledge bases (RAG). */
  files?: Record<string, unknown>[];
  /** Per-chat settings (system prompt, temperature, max_tokens, top_p, seed); the server applies them. */
  params?: Record<string, unknown>;
  /** Title / tags / follow-up generation after the reply (the original's flags). */
  background_tasks?: Record<string, boolean>;
  /** Open WebUI's per-request features (`memory`: add the user's memories as context). */
  features?: Record<string, boolean>;
}

export interface StreamResult {
  usage?: Record<string, unknown>;
  aborted: boolean;
}

export async function streamCompletion(
  body: CompletionRequest | Record<string, unknown>,
  onDelta: (text: string) => void,
  signal: AbortSignal,
  onSources?: (sources: Record<string, unknown>[]) => void,
  /** Another endpoint speaking the same SSE (e.g. `/api/v1/tasks/moa/completions`). */
  url = '/api/chat/completions',
  /** Generated images of the reply (`files`, issue 20), sent once before the text. */
  onFiles?: (files: Record<string, unknown>[]) => void,
): Promise<StreamResult> {
  const token = getToken();
  let res: Response;
  try {
    res = await fetch(url, {
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
    if (Array.isArray(json?.sources)) onSources?.(json.sources);
    if (Array.isArray(json?.files)) onFiles?.(json.files);
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
        if (Array.isArray(chunk.sources)) onSources?.(chunk.sources);
        if (Array.isArray(chunk.files)) onFiles?.(chunk.files); // generated images (issue 20)
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

/** A reply running as a server task and delivered as socket `events` (issue 7's mode). */
export interface SocketReply {
  chatId: string;
  messageId: string;
  /** The whole text so far, as the server reports it. */
  onContent: (content: string) => void;
  onTask?: (taskId: string) => void;
  /** Text already shown (re-attaching after a reload), for append-style events. */
  initial?: string;
  /** Retrieved documents (RAG), sent once before the text. */
  onSources?: (sources: Record<string, unknown>[]) => void;
  /** Generated images of the reply (`files` event), sent once before the text. */
  onFiles?: (files: Record<string, unknown>[]) => void;
  /** A `status` event (web search steps). */
  onStatus?: (status: Record<string, unknown>) => void;
}

export interface SocketResult extends StreamResult {
  error?: string;
  /** The task ended without this page seeing `done` (socket was down): the saved chat has the text. */
  ended?: boolean;
}

/**
 * Waits for the `chat:completion` events of one message until `done`. Started before the POST (when
 * sending) or on its own (when re-attaching after a reload). If the socket reconnects, the task list is
 * checked again so a reply that ended while the socket was down is not waited for forever.
 */
export function followSocketReply(r: SocketReply, signal: AbortSignal): { result: Promise<SocketResult>; cancel: () => void } {
  let off = () => {};
  let offReconnect = () => {};
  let settle!: (v: SocketResult) => void;
  const result = new Promise<SocketResult>((resolve) => (settle = resolve));
  let finished = false;
  const finish = (v: SocketResult) => {
    if (finished) return;
    finished = true;
    off();
    offReconnect();
    settle(v);
  };
  // The text so far, for the append/replace event types some servers send instead of `chat:completion`.
  let content = r.initial ?? '';
  off = onChatEvent((ev) => {
    if (ev.chat_id !== r.chatId || ev.message_id !== r.messageId) return;
    const { type, data } = ev.data;
    if (type === 'files' && Array.isArray(data?.files)) {
      r.onFiles?.(data.files);
    } else if (type === 'chat:completion') {
      if (Array.isArray(data?.sources)) r.onSources?.(data.sources);
      if (typeof data?.content === 'string') r.onContent((content = data.content));
      if (data?.done) finish({ usage: data.usage, aborted: signal.aborted, error: data.error?.content });
      else if (data?.error) finish({ aborted: false, error: data.error.content });
    } else if ((type === 'chat:message:delta' || type === 'message') && typeof data?.content === 'string') {
      content += data.content;
      r.onContent(content);
    } else if ((type === 'chat:message' || type === 'replace') && typeof data?.content === 'string') {
      content = data.content;
      r.onContent(content);
    } else if (type === 'status' && data && typeof data === 'object') {
      r.onStatus?.(data as Record<string, unknown>);
    } else if (type === 'chat:message:error') {
      finish({ aborted: false, error: data?.error?.content ?? 'Something went wrong :/' });
    }
  });
  offReconnect = onReconnect(() => {
    void taskIdsForChat(r.chatId).then((ids) => {
      if (ids && ids.length === 0) finish({ aborted: signal.aborted, ended: true });
    });
  });
  return { result, cancel: () => finish({ aborted: true }) };
}

export async function taskIdsForChat(chatId: string): Promise<string[] | null> {
  try {
    const res = await http.get<{ task_ids: string[] }>(`/api/tasks/chat/${encodeURIComponent(chatId)}`);
    return res.task_ids ?? [];
  } catch {
    return null;
  }
}

export async function stopTask(taskId: string): Promise<void> {
  await http.post(`/api/tasks/stop/${encodeURIComponent(taskId)}`).catch(() => {});
}

/** Sends the request in socket mode; resolves when the server reports the reply done. */
export async function socketCompletion(
  body: CompletionRequest & { chat_id: string; id: string },
  sessionId: string,
  r: Omit<SocketReply, 'chatId' | 'messageId'>,
  signal: AbortSignal,
  /** Stop listening but let the server task run on (the user opened another chat). */
  detach?: AbortSignal,
): Promise<SocketResult> {
  // Listen first: the first events can beat the HTTP answer.
  const follow = followSocketReply({ ...r, chatId: body.chat_id, messageId: body.id }, signal);
  detach?.addEventListener('abort', follow.cancel, { once: true });
  let taskId: string | null = null;
  const onAbort = () => {
    if (taskId) void stopTask(taskId);
    // The server answers a stop with a final `done` event; do not wait for it forever.
    setTimeout(follow.cancel, 3000);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await http.post<{ status: boolean; task_id: string }>('/api/chat/completions', { ...body, stream: true, session_id: sessionId });
    taskId = res.task_id;
    r.onTask?.(taskId);
    if (signal.aborted) void stopTask(taskId);
  } catch (err) {
    follow.cancel();
    throw err;
  }
  try {
    return await follow.result;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

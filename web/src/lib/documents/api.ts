import { ApiError, detailToMessage, getToken, http, throwIfNotOk } from '$lib/api/client';

/** Files, knowledge and retrieval endpoints as the UI uses them (shapes of Open WebUI 0.6.34). */
export interface FileItem {
  id: string;
  user_id: string;
  filename: string;
  hash?: string | null;
  data: { status?: string; error?: string; content?: string; progress?: { stage: string; done?: number; total?: number } };
  meta: { name?: string; content_type?: string | null; size?: number; collection_name?: string };
  created_at: number;
  updated_at: number;
}

export interface FileMeta {
  id: string;
  meta: FileItem['meta'];
  created_at: number;
  updated_at: number;
}

export interface Knowledge {
  id: string;
  user_id: string;
  name: string;
  description: string;
  data: { file_ids?: string[] };
  files?: FileMeta[];
  created_at: number;
  updated_at: number;
}

export interface StatusEvent {
  status: 'pending' | 'completed' | 'failed' | 'not_found';
  error?: string;
  progress?: { stage: string; done?: number; total?: number };
}

const enc = encodeURIComponent;

/** Multipart upload with byte progress (XHR: fetch has no upload progress events). */
export function uploadFile(file: File, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<FileItem> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/files/');
    const token = getToken();
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let body: unknown = xhr.responseText;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* keep text */
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as FileItem);
      else reject(new ApiError(xhr.status, detailToMessage(body, `${xhr.status}`), body));
    };
    xhr.onerror = () => reject(new ApiError(0, 'Network error'));
    xhr.onabort = () => reject(new ApiError(0, 'Aborted'));
    signal?.addEventListener('abort', () => xhr.abort());
    const form = new FormData();
    form.append('file', file);
    xhr.send(form);
  });
}

/** Follows the processing status stream until the file is completed or failed. */
export async function followStatus(id: string, onEvent: (e: StatusEvent) => void, signal?: AbortSignal): Promise<StatusEvent> {
  const token = getToken();
  const res = await fetch(`/api/v1/files/${enc(id)}/process/status?stream=true`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    credentials: 'same-origin',
    signal,
  });
  await throwIfNotOk(res);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let last: StatusEvent = { status: 'pending' };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let nl: number;
    while ((nl = buffer.indexOf('\n\n')) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 2);
      if (!line.startsWith('data:')) continue;
      try {
        last = JSON.parse(line.slice(5).trim()) as StatusEvent;
        onEvent(last);
      } catch {
        /* skip */
      }
    }
  }
  return last;
}

export const filesApi = {
  list: () => http.get<FileItem[]>('/api/v1/files/', { query: { content: false } }),
  get: (id: string) => http.get<FileItem>(`/api/v1/files/${enc(id)}`),
  remove: (id: string) => http.del<{ message: string }>(`/api/v1/files/${enc(id)}`),
  contentUrl: (id: string) => `/api/v1/files/${enc(id)}/content`,
};

export const knowledgeApi = {
  list: () => http.get<Knowledge[]>('/api/v1/knowledge/'),
  get: (id: string) => http.get<Knowledge>(`/api/v1/knowledge/${enc(id)}`),
  create: (name: string, description: string) => http.post<Knowledge>('/api/v1/knowledge/create', { name, description }),
  update: (id: string, name: string, description: string) => http.post<Knowledge>(`/api/v1/knowledge/${enc(id)}/update`, { name, description }),
  addFile: (id: string, fileId: string) => http.post<Knowledge>(`/api/v1/knowledge/${enc(id)}/file/add`, { file_id: fileId }),
  removeFile: (id: string, fileId: string) => http.post<Knowledge>(`/api/v1/knowledge/${enc(id)}/file/remove`, { file_id: fileId }),
  remove: (id: string) => http.del<boolean>(`/api/v1/knowledge/${enc(id)}/delete`),
};

export type RetrievalConfig = Record<string, unknown> & {
  TOP_K: number;
  CHUNK_SIZE: number;
  CHUNK_OVERLAP: number;
  RAG_TEMPLATE: string;
  ENABLE_RAG_HYBRID_SEARCH: boolean;
  RAG_FULL_CONTEXT: boolean;
  BYPASS_EMBEDDING_AND_RETRIEVAL: boolean;
  RELEVANCE_THRESHOLD: number;
  TEXT_SPLITTER: string;
  FILE_MAX_SIZE: number | null;
  FILE_MAX_COUNT: number | null;
  ALLOWED_FILE_EXTENSIONS: string[];
};

export interface EmbeddingConfig {
  embedding_engine: '' | 'ollama' | 'openai';
  embedding_model: string;
  embedding_batch_size: number;
  openai_config: { url: string; key: string };
  ollama_config: { url: string; key: string };
}

export const retrievalApi = {
  config: () => http.get<RetrievalConfig>('/api/v1/retrieval/config'),
  updateConfig: (c: Partial<RetrievalConfig>) => http.post<RetrievalConfig>('/api/v1/retrieval/config/update', c),
  embedding: () => http.get<EmbeddingConfig>('/api/v1/retrieval/embedding'),
  updateEmbedding: (c: EmbeddingConfig) => http.post<EmbeddingConfig>('/api/v1/retrieval/embedding/update', c),
};

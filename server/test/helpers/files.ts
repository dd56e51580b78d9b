import type { TestServer } from './test-server.js';
import { uploadForm } from './documents.js';

/** Uploads through the real multipart endpoint; returns the response and its JSON. */
export async function upload(srv: TestServer, token: string, name: string, content: Buffer | string, type = 'text/plain', query = '') {
  const res = await fetch(`${srv.url}/api/v1/files/${query}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: uploadForm(name, content, type) });
  return { res, body: (await res.json()) as Record<string, any> };
}

/** Reads the status stream (`?stream=true`) to its end, as the original UI does. */
export async function streamStatus(srv: TestServer, token: string, id: string): Promise<Record<string, any>[]> {
  const res = await srv.request('GET', `/api/v1/files/${id}/process/status?stream=true`, { token });
  const text = await res.text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => JSON.parse(l.slice(6)) as Record<string, any>);
}

/** Uploads and waits for processing; returns the file id and the final status event. */
export async function uploadProcessed(srv: TestServer, token: string, name: string, content: Buffer | string, type = 'text/plain') {
  const { res, body } = await upload(srv, token, name, content, type);
  if (res.status !== 200) throw new Error(`upload failed ${res.status} ${JSON.stringify(body)}`);
  const events = await streamStatus(srv, token, body.id);
  return { id: body.id as string, final: events.at(-1)!, events };
}

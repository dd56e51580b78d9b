import type { ChatBody, ChatResponse } from '../api/types';
import { branch } from './tree';

/** Downloads a Blob under a file name (no server round trip). */
export function download(name: string, data: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const safeName = (title: string) => title.replace(/[\\/:*?"<>|\s]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'chat';

/** The original's export: a JSON array of chat records, importable again. */
export function exportJson(records: Array<Partial<ChatResponse> & { chat: ChatBody }>, name = 'chat-export'): void {
  download(`${safeName(name)}-${Date.now()}.json`, JSON.stringify(records, null, 2));
}

/** The shown branch as plain text: "### USER" / "### ASSISTANT" blocks like the original's .txt export. */
export function chatText(chat: ChatBody): string {
  return branch(chat)
    .map((m) => `### ${m.role.toUpperCase()}\n${m.content}`)
    .join('\n\n');
}

export function exportText(chat: ChatBody): void {
  download(`${safeName(chat.title)}.txt`, chatText(chat), 'text/plain;charset=utf-8');
}

/** PDF through the browser's own print dialog ("Save as PDF"); print CSS hides the app chrome. */
export function exportPdf(title: string): void {
  const old = document.title;
  document.title = title;
  window.print();
  document.title = old;
}

/** Reads an export file (ours or the original's) into import forms. */
export async function readImport(file: File): Promise<Array<{ chat: ChatBody; meta?: unknown; pinned?: boolean; folder_id?: string | null; created_at?: number; updated_at?: number }>> {
  const data: unknown = JSON.parse(await file.text());
  const list = Array.isArray(data) ? data : [data];
  return list
    .filter((r): r is Record<string, unknown> => Boolean(r) && typeof r === 'object')
    .map((r) => {
      const chat = (r.chat && typeof r.chat === 'object' ? r.chat : r) as ChatBody;
      return {
        chat: { ...chat, title: (chat.title as string) ?? (r.title as string) ?? 'New Chat' },
        meta: r.meta ?? {},
        pinned: Boolean(r.pinned),
        folder_id: null,
        ...(typeof r.created_at === 'number' ? { created_at: r.created_at } : {}),
        ...(typeof r.updated_at === 'number' ? { updated_at: r.updated_at } : {}),
      };
    });
}

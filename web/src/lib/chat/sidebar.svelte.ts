import { api, type ChatListItem, type Folder } from '../api';

/** The original's page size of `/api/v1/chats/?page=n`. */
const PAGE = 60;

/** The sidebar's lists: pinned, folders, recent chats (paged as the user scrolls), or search results. */
class Sidebar {
  pinned = $state<ChatListItem[]>([]);
  recent = $state<ChatListItem[]>([]);
  folders = $state<Folder[]>([]);
  /** Chats of each expanded folder. */
  folderChats = $state<Record<string, ChatListItem[]>>({});
  results = $state<ChatListItem[] | null>(null);
  query = $state('');
  open = $state(true);
  error = $state<string | null>(null);
  /** More pages may follow (the last one was full). */
  more = $state(false);
  private page = 1;
  private loadingMore = false;
  /** Refreshes overlap (a new chat, then its generated title): only the latest one's answer is shown. */
  private generation = 0;

  async refresh(): Promise<void> {
    const generation = ++this.generation;
    try {
      // Reload as many pages as are shown, so a refresh after an action does not shrink the list.
      const pages = this.page;
      const [pinned, folders, ...lists] = await Promise.all([
        api.chats.pinned().catch(() => []),
        api.folders.list().catch(() => [] as Folder[]),
        ...Array.from({ length: pages }, (_, i) => api.chats.list(i + 1)),
      ]);
      if (generation !== this.generation) return;
      const recent = lists.flat();
      this.pinned = pinned;
      this.folders = folders;
      this.recent = recent.filter((c) => !pinned.some((p) => p.id === c.id));
      this.more = (lists.at(-1)?.length ?? 0) >= PAGE;
      this.error = null;
      await Promise.all(folders.filter((f) => f.is_expanded).map((f) => this.loadFolder(f.id)));
      if (this.query) await this.search(this.query);
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
  }

  /** Next page of recent chats (infinite scroll). */
  async loadMore(): Promise<void> {
    if (!this.more || this.loadingMore) return;
    this.loadingMore = true;
    try {
      const next = await api.chats.list(this.page + 1);
      this.page += 1;
      const seen = new Set(this.recent.map((c) => c.id));
      this.recent = [...this.recent, ...next.filter((c) => !seen.has(c.id) && !this.pinned.some((p) => p.id === c.id))];
      this.more = next.length >= PAGE;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    } finally {
      this.loadingMore = false;
    }
  }

  async loadFolder(id: string): Promise<void> {
    const rows = await api.chats.inFolder(id).catch(() => []);
    this.folderChats = { ...this.folderChats, [id]: rows.map((r) => ({ id: r.id, title: r.title, updated_at: r.updated_at, created_at: r.created_at })) };
  }

  async search(q: string): Promise<void> {
    this.query = q;
    if (!q.trim()) {
      this.results = null;
      return;
    }
    let found: ChatListItem[];
    try {
      found = await api.chats.search(q.trim());
    } catch {
      const needle = q.toLowerCase();
      found = [...this.pinned, ...this.recent].filter((c) => c.title.toLowerCase().includes(needle));
    }
    // An answer for a query the user has since changed or cleared (a refresh re-runs the search) is stale.
    if (this.query === q) this.results = found;
  }
}

export const sidebar = new Sidebar();

/** The original's sidebar sections by last update: Today, Yesterday, Previous 7 days, Previous 30 days, then months. */
export function dateGroup(updatedAt: number, now = new Date()): { key: string; month?: Date } {
  const d = new Date(updatedAt * 1000);
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const day = 86_400_000;
  if (d.getTime() >= start) return { key: 'today' };
  if (d.getTime() >= start - day) return { key: 'yesterday' };
  if (d.getTime() >= start - 7 * day) return { key: 'week' };
  if (d.getTime() >= start - 30 * day) return { key: 'month' };
  return { key: `${d.getFullYear()}-${d.getMonth()}`, month: new Date(d.getFullYear(), d.getMonth(), 1) };
}

import { api, type ChatListItem } from '../api';

/** The sidebar's chat lists (pinned + recent, or search results). */
class Sidebar {
  pinned = $state<ChatListItem[]>([]);
  recent = $state<ChatListItem[]>([]);
  results = $state<ChatListItem[] | null>(null);
  query = $state('');
  open = $state(true);
  error = $state<string | null>(null);

  async refresh(): Promise<void> {
    try {
      const [pinned, recent] = await Promise.all([api.chats.pinned().catch(() => []), api.chats.list(1)]);
      this.pinned = pinned;
      this.recent = recent.filter((c) => !pinned.some((p) => p.id === c.id));
      this.error = null;
      if (this.query) await this.search(this.query);
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
  }

  async search(q: string): Promise<void> {
    this.query = q;
    if (!q.trim()) {
      this.results = null;
      return;
    }
    try {
      this.results = await api.chats.search(q.trim());
    } catch {
      const needle = q.toLowerCase();
      this.results = [...this.pinned, ...this.recent].filter((c) => c.title.toLowerCase().includes(needle));
    }
  }
}

export const sidebar = new Sidebar();

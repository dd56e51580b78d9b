import { session } from '$lib/state/session.svelte';
import { toolsApi, type ToolItem, type ToolServerConnection } from './api';

/**
 * The tools a chat may use: the server's list (admin tool servers the user may see) and the ones ticked
 * in the composer's tools menu. `requestFields()` is what a completion request carries for them.
 */
class ToolsState {
  available = $state<ToolItem[]>([]);
  selected = $state<string[]>([]);
  loaded = $state(false);

  async load(): Promise<void> {
    try {
      this.available = await toolsApi.list();
    } catch {
      this.available = [];
    }
    this.selected = this.selected.filter((id) => this.available.some((t) => t.id === id));
    this.loaded = true;
  }

  toggle(id: string): void {
    this.selected = this.selected.includes(id) ? this.selected.filter((x) => x !== id) : [...this.selected, id];
  }

  /** The user's own servers (Settings > Tools) that are switched on. */
  userServers(): ToolServerConnection[] {
    const list = session.settings.ui?.toolServers;
    return Array.isArray(list) ? (list as ToolServerConnection[]).filter((s) => s?.config?.enable && s.url) : [];
  }

  requestFields(): { tool_ids?: string[]; tool_servers?: { url: string; path: string; auth_type?: string; key?: string }[] } {
    const out: ReturnType<ToolsState['requestFields']> = {};
    if (this.selected.length) out.tool_ids = [...this.selected];
    const mine = this.userServers().map((s) => ({ url: s.url, path: s.path || 'openapi.json', auth_type: s.auth_type ?? 'bearer', key: s.key ?? '' }));
    if (mine.length) out.tool_servers = mine;
    return out;
  }
}

export const tools = new ToolsState();

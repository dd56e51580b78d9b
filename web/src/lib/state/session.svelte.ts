import { api, getToken, http, setToken, type AppConfig, type ModelItem, type SessionUser, type UserSettings } from '../api';
import { isChatModel, lastModels } from '../chat/models';

/** Who is signed in and what the server allows; loaded once at start and after auth changes. */
class Session {
  config = $state<AppConfig | null>(null);
  user = $state<SessionUser | null>(null);
  settings = $state<UserSettings>({ ui: {} });
  models = $state<ModelItem[]>([]);
  modelsError = $state<string | null>(null);
  ready = $state(false);
  /** The user's effective permissions (`/api/v1/users/permissions`: defaults merged with groups). */
  permissions = $state<Record<string, unknown>>({});

  async load(): Promise<void> {
    this.config = await api.config();
    if (getToken()) {
      try {
        this.user = await api.auths.session();
        // The token may have been refreshed (the original re-issues it here).
        if (this.user.token) setToken(this.user.token);
      } catch {
        setToken(null);
        this.user = null;
      }
    }
    if (this.user) {
      // Role-specific parts of /api/config (overlay texts, defaults) need the token.
      this.config = await api.config();
      if (this.user.role !== 'pending') await Promise.all([this.loadSettings(), this.loadModels(), this.loadPermissions()]);
    }
    this.ready = true;
  }

  async loadSettings(): Promise<void> {
    try {
      this.settings = (await api.users.getSettings()) ?? { ui: {} };
      if (!this.settings.ui) this.settings.ui = {};
    } catch {
      this.settings = { ui: {} };
    }
  }

  async loadPermissions(): Promise<void> {
    this.permissions = await http.get<Record<string, unknown>>('/api/v1/users/permissions').catch(() => ({}));
  }

  /**
   * Whether the signed-in user holds a permission, like the server's check: admins hold all. A flag the
   * server did not send counts as `unknown`: allowed for the chat features (the original defaults them
   * on), refused for the workspace ones (`session.may('workspace.models', false)`, default off).
   */
  may(path: string, unknown = true): boolean {
    if (this.user?.role === 'admin') return true;
    let node: unknown = this.permissions;
    for (const part of path.split('.')) {
      if (!node || typeof node !== 'object' || !Object.hasOwn(node, part)) return unknown;
      node = (node as Record<string, unknown>)[part];
    }
    return typeof node === 'boolean' ? node : unknown;
  }

  async loadModels(refresh = false): Promise<void> {
    try {
      this.models = (await api.models.list(refresh)).data ?? [];
      this.modelsError = null;
    } catch (err) {
      this.models = [];
      this.modelsError = err instanceof Error ? err.message : String(err);
    }
  }

  async saveUi(patch: Record<string, unknown>): Promise<void> {
    const ui = { ...(this.settings.ui ?? {}), ...patch };
    this.settings = { ...this.settings, ui };
    await api.users.updateSettings({ ...this.settings, ui });
  }

  /** Models a chat may use (embedding-only ones are left out). */
  get chatModels(): ModelItem[] {
    return this.models.filter(isChatModel);
  }

  /**
   * The models a new chat starts with: the user's default ("Set as default"), else the last choice,
   * else the admin's default, else the first chat model. Never an embedding model.
   */
  defaultModels(): string[] {
    const ids = new Set(this.chatModels.map((m) => m.id));
    const keep = (list: string[] | undefined) => (list ?? []).filter((id) => ids.has(id));
    const mine = keep(this.settings.ui?.models);
    if (mine.length) return mine;
    const last = keep(lastModels());
    if (last.length) return last;
    const admin = keep((this.config?.default_models ?? '').split(',').map((s) => s.trim()));
    if (admin.length) return admin;
    const first = this.chatModels[0]?.id;
    return first ? [first] : [];
  }

  defaultModel(): string | null {
    return this.defaultModels()[0] ?? null;
  }

  async signout(): Promise<void> {
    const redirect = await api.auths.signout().catch(() => null);
    if (redirect) {
      // Signed in through an identity provider: end that session too. The page is leaving, so the
      // caller's own navigation must not run.
      window.location.assign(redirect);
      return new Promise<void>(() => {});
    }
    this.user = null;
    this.models = [];
    this.settings = { ui: {} };
    this.config = await api.config().catch(() => this.config);
  }

  get isAdmin(): boolean {
    return this.user?.role === 'admin';
  }
}

export const session = new Session();

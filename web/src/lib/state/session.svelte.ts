import { api, getToken, setToken, type AppConfig, type ModelItem, type SessionUser, type UserSettings } from '../api';

/** Who is signed in and what the server allows; loaded once at start and after auth changes. */
class Session {
  config = $state<AppConfig | null>(null);
  user = $state<SessionUser | null>(null);
  settings = $state<UserSettings>({ ui: {} });
  models = $state<ModelItem[]>([]);
  modelsError = $state<string | null>(null);
  ready = $state(false);

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
      if (this.user.role !== 'pending') await Promise.all([this.loadSettings(), this.loadModels()]);
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

  /** The model a new chat starts with: the user's default, the admin's default, else the first listed. */
  defaultModel(): string | null {
    const ids = this.models.map((m) => m.id);
    const mine = this.settings.ui?.models?.[0];
    if (mine && ids.includes(mine)) return mine;
    const admin = (this.config?.default_models ?? '').split(',').map((s) => s.trim()).find((s) => ids.includes(s));
    return admin ?? ids[0] ?? null;
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

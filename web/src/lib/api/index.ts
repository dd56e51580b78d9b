import { http, request, setToken } from './client';
import type {
  AdminConfig,
  AppConfig,
  ChatBody,
  ChatListItem,
  ChatResponse,
  ConnectionKind,
  ConnectionReport,
  LdapServerConfig,
  DoctorReport,
  ModelItem,
  OllamaConfig,
  OpenAIConfig,
  SessionUser,
  UserModel,
  UserSettings,
  Tag,
  Folder,
  Banner,
  FeedbackForm,
  Memory,
  MessageWrite,
} from './types';

export * from './client';
export type * from './types';

const enc = encodeURIComponent;

export const api = {
  config: () => http.get<AppConfig>('/api/config'),

  auths: {
    session: () => http.get<SessionUser>('/api/v1/auths/'),
    signin: async (email: string, password: string) => {
      const s = await http.post<SessionUser>('/api/v1/auths/signin', { email, password });
      setToken(s.token);
      return s;
    },
    signup: async (name: string, email: string, password: string) => {
      const s = await http.post<SessionUser>('/api/v1/auths/signup', { name, email, password, profile_image_url: '/user.png' });
      setToken(s.token);
      return s;
    },
    /** Resolves to the identity provider's sign-out URL when the session came from one (or a redirect is set). */
    signout: async (): Promise<string | null> => {
      try {
        const r = await http.get<{ status: boolean; redirect_url?: string }>('/api/v1/auths/signout');
        return r?.redirect_url ?? null;
      } finally {
        setToken(null);
      }
    },
    ldapSignin: async (user: string, password: string) => {
      const s = await http.post<SessionUser>('/api/v1/auths/ldap', { user, password });
      setToken(s.token);
      return s;
    },
    getLdapConfig: () => http.get<{ ENABLE_LDAP: boolean }>('/api/v1/auths/admin/config/ldap'),
    setLdapConfig: (enable_ldap: boolean) => http.post<{ ENABLE_LDAP: boolean }>('/api/v1/auths/admin/config/ldap', { enable_ldap }),
    getLdapServer: () => http.get<LdapServerConfig>('/api/v1/auths/admin/config/ldap/server'),
    setLdapServer: (c: LdapServerConfig) => http.post<LdapServerConfig>('/api/v1/auths/admin/config/ldap/server', c),
    updateProfile: (name: string, profile_image_url: string) =>
      http.post<UserModel>('/api/v1/auths/update/profile', { name, profile_image_url }),
    /**
     * The server voids every older token, this one included, and answers with a fresh `token` cookie;
     * the session is re-read through that cookie (falling back to signing in with the new password) so
     * the stored bearer token is replaced and the user stays signed in.
     */
    updatePassword: async (password: string, new_password: string, email?: string) => {
      await http.post<boolean>('/api/v1/auths/update/password', { password, new_password });
      let s: SessionUser | null = await http.get<SessionUser>('/api/v1/auths/', { cookieOnly: true }).catch(() => null);
      if (!s?.token && email) s = await http.post<SessionUser>('/api/v1/auths/signin', { email, password: new_password }, { cookieOnly: true });
      if (s?.token) setToken(s.token);
      return s;
    },
    getApiKey: () => http.get<{ api_key: string }>('/api/v1/auths/api_key'),
    createApiKey: () => http.post<{ api_key: string }>('/api/v1/auths/api_key'),
    deleteApiKey: () => http.del<boolean>('/api/v1/auths/api_key'),
    getAdminConfig: () => http.get<AdminConfig>('/api/v1/auths/admin/config'),
    setAdminConfig: (c: AdminConfig) => http.post<AdminConfig>('/api/v1/auths/admin/config', c),
  },

  users: {
    list: (query = '', page = 1) =>
      http.get<{ users: UserModel[]; total: number } | UserModel[]>('/api/v1/users/', { query: { query, page } }),
    updateRole: (id: string, role: string) => http.post<UserModel>('/api/v1/users/update/role', { id, role }),
    remove: (id: string) => http.del<boolean>(`/api/v1/users/${enc(id)}`),
    getSettings: () => http.get<UserSettings | null>('/api/v1/users/user/settings'),
    updateSettings: (s: UserSettings) => http.post<UserSettings>('/api/v1/users/user/settings/update', s),
  },

  chats: {
    list: (page = 1) => http.get<ChatListItem[]>('/api/v1/chats/', { query: { page } }),
    pinned: () => http.get<ChatListItem[]>('/api/v1/chats/pinned'),
    search: (text: string) => http.get<ChatListItem[]>('/api/v1/chats/search', { query: { text } }),
    archived: () => http.get<ChatListItem[]>('/api/v1/chats/archived'),
    get: (id: string) => http.get<ChatResponse>(`/api/v1/chats/${enc(id)}`),
    create: (chat: ChatBody) => http.post<ChatResponse>('/api/v1/chats/new', { chat }),
    update: (id: string, chat: Partial<ChatBody>) => http.post<ChatResponse>(`/api/v1/chats/${enc(id)}`, { chat }),
    /** One message written (created or changed) without the document; the answer is ids only. */
    writeMessage: (id: string, messageId: string, form: MessageWrite) =>
      http.post<{ id: string; message_id: string }>(`/api/v1/chats/${enc(id)}/messages/${enc(messageId)}`, form, { headers: { prefer: 'return=minimal' } }),
    remove: (id: string) => http.del<boolean>(`/api/v1/chats/${enc(id)}`),
    togglePin: (id: string) => http.post<ChatResponse>(`/api/v1/chats/${enc(id)}/pin`),
    toggleArchive: (id: string) => http.post<ChatResponse>(`/api/v1/chats/${enc(id)}/archive`),
    unarchiveAll: () => http.post<boolean>('/api/v1/chats/unarchive/all'),
    archiveAll: () => http.post<boolean>('/api/v1/chats/archive/all'),
    removeAll: () => http.del<boolean>('/api/v1/chats/'),
    all: () => http.get<ChatResponse[]>('/api/v1/chats/all'),
    importMany: (items: Array<{ chat: unknown; meta?: unknown; pinned?: boolean; folder_id?: string | null; created_at?: number; updated_at?: number }>) =>
      http.post<ChatResponse[]>('/api/v1/chats/import', { chats: items }),
    clone: (id: string, title?: string) => http.post<ChatResponse>(`/api/v1/chats/${enc(id)}/clone`, title ? { title } : {}),
    share: (id: string) => http.post<ChatResponse>(`/api/v1/chats/${enc(id)}/share`),
    unshare: (id: string) => http.del<boolean>(`/api/v1/chats/${enc(id)}/share`),
    shared: (shareId: string) => http.get<ChatResponse>(`/api/v1/chats/share/${enc(shareId)}`),
    tags: (id: string) => http.get<Tag[]>(`/api/v1/chats/${enc(id)}/tags`),
    addTag: (id: string, name: string) => http.post<Tag[]>(`/api/v1/chats/${enc(id)}/tags`, { name }),
    removeTag: (id: string, name: string) => request<Tag[]>('DELETE', `/api/v1/chats/${enc(id)}/tags`, { name }),
    allTags: () => http.get<Tag[]>('/api/v1/chats/all/tags'),
    moveToFolder: (id: string, folder_id: string | null) => http.post<ChatResponse>(`/api/v1/chats/${enc(id)}/folder`, { folder_id }),
    inFolder: (folderId: string) => http.get<ChatResponse[]>(`/api/v1/chats/folder/${enc(folderId)}`),
  },

  // ---- chat app: folders, banners, feedback, memories
  folders: {
    list: () => http.get<Folder[]>('/api/v1/folders/'),
    create: (name: string, parent_id: string | null = null) => http.post<Folder>('/api/v1/folders/', { name, parent_id }),
    rename: (id: string, name: string) => http.post<Folder>(`/api/v1/folders/${enc(id)}/update`, { name }),
    move: (id: string, parent_id: string | null) => http.post<Folder>(`/api/v1/folders/${enc(id)}/update/parent`, { parent_id }),
    expand: (id: string, is_expanded: boolean) => http.post<Folder>(`/api/v1/folders/${enc(id)}/update/expanded`, { is_expanded }),
    remove: (id: string) => http.del<boolean>(`/api/v1/folders/${enc(id)}`),
  },
  banners: () => http.get<Banner[]>('/api/v1/configs/banners'),
  feedback: {
    create: (f: FeedbackForm) => http.post<{ id: string }>('/api/v1/evaluations/feedback', f),
    update: (id: string, f: FeedbackForm) => http.post<{ id: string }>(`/api/v1/evaluations/feedback/${enc(id)}`, f),
  },
  memories: {
    list: () => http.get<Memory[]>('/api/v1/memories/'),
    add: (content: string) => http.post<Memory>('/api/v1/memories/add', { content }),
    update: (id: string, content: string) => http.post<Memory>(`/api/v1/memories/${enc(id)}/update`, { content }),
    remove: (id: string) => http.del<boolean>(`/api/v1/memories/${enc(id)}`),
    clear: () => http.del<boolean>('/api/v1/memories/delete/user'),
  },

  models: {
    list: (refresh = false) => http.get<{ data: ModelItem[] }>('/api/models', { query: { refresh: refresh || undefined } }),
  },

  ollama: {
    getConfig: () => http.get<OllamaConfig>('/ollama/config'),
    setConfig: (c: OllamaConfig) => http.post<OllamaConfig>('/ollama/config/update', c),
    verify: (url: string, key?: string) => http.post<unknown>('/ollama/verify', { url, key }),
    /** NDJSON progress stream; the caller reads the body. */
    pull: (name: string, urlIdx = 0, signal?: AbortSignal) =>
      request<Response>('POST', urlIdx ? `/ollama/api/pull/${urlIdx}` : '/ollama/api/pull', { model: name, name, stream: true }, { raw: true, signal }),
  },

  openai: {
    getConfig: () => http.get<OpenAIConfig>('/openai/config'),
    setConfig: (c: OpenAIConfig) => http.post<OpenAIConfig>('/openai/config/update', c),
    verify: (url: string, key: string) => http.post<unknown>('/openai/verify', { url, key }),
  },

  /** Connection doctor (admin): explains why a connection fails and what to change. */
  doctor: {
    run: () => http.get<DoctorReport>('/api/v1/doctor'),
    probe: (kind: ConnectionKind, url: string, key = '') => http.post<ConnectionReport>('/api/v1/doctor/probe', { kind, url, key }),
  },
};

import type { ColumnType, Generated } from 'kysely';

/**
 * Table shapes. Names and columns follow Open WebUI's models so a deployment can be reasoned about the
 * same way. JSON columns are stored as text on both dialects (the repositories (de)serialise them);
 * booleans are native on PostgreSQL and 0/1 on SQLite (see boolean-plugin.ts). Times are epoch seconds.
 */
type Bool = ColumnType<boolean | number, boolean, boolean>;

export interface UserTable {
  id: string;
  name: string;
  email: string;
  username: string | null;
  role: string;
  profile_image_url: string;
  bio: string | null;
  gender: string | null;
  date_of_birth: string | null;
  info: string | null;
  settings: string | null;
  api_key: string | null;
  oauth_sub: string | null;
  last_active_at: number;
  updated_at: number;
  created_at: number;
}

export interface AuthTable {
  id: string;
  email: string;
  password: string;
  active: Bool;
}

export interface ConfigTable {
  id: Generated<number>;
  data: string;
  version: number;
  created_at: number;
  updated_at: number;
}

export interface ChatTable {
  id: string;
  user_id: string;
  title: string;
  chat: string;
  created_at: number;
  updated_at: number;
  share_id: string | null;
  archived: Bool;
  pinned: Bool;
  meta: string;
  folder_id: string | null;
}

/** A signed-out token, void until it would have expired (null = never expires). */
export interface RevokedTokenTable {
  jti: string;
  user_id: string;
  expires_at: number | null;
}

/** Per user: tokens issued before this instant (epoch ms) are void, set on password changes. */
export interface TokenCutoffTable {
  user_id: string;
  issued_before_ms: number;
}

// ---- chat app (007-chat-app): folders, message feedback, memories
export interface FolderTable {
  id: string;
  parent_id: string | null;
  user_id: string;
  name: string;
  items: string | null;
  meta: string | null;
  is_expanded: Bool;
  created_at: number;
  updated_at: number;
  data: string | null;
}

export interface FeedbackTable {
  id: string;
  user_id: string | null;
  version: number | null;
  type: string | null;
  data: string | null;
  meta: string | null;
  snapshot: string | null;
  created_at: number;
  updated_at: number;
}

export interface MemoryTable {
  id: string;
  user_id: string;
  content: string;
  updated_at: number;
  created_at: number;
}

export interface Database {
  user: UserTable;
  auth: AuthTable;
  config: ConfigTable;
  chat: ChatTable;
  revoked_token: RevokedTokenTable;
  token_cutoff: TokenCutoffTable;
  folder: FolderTable;
  feedback: FeedbackTable;
  memory: MemoryTable;
}

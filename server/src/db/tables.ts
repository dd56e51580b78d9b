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

// --- workspace (migration 005): Open WebUI's model, prompt and group tables. JSON columns hold text
// on write; PostgreSQL's json type may hand back parsed values, so readers accept both.
type JsonColumn = ColumnType<unknown, string | null, string | null>;

export interface ModelRecordTable {
  id: string;
  user_id: string;
  base_model_id: string | null;
  name: string;
  meta: string;
  params: string;
  created_at: number;
  updated_at: number;
  access_control: JsonColumn;
  is_active: Bool;
}

export interface PromptTable {
  id: Generated<number>;
  command: string;
  user_id: string;
  title: string;
  content: string;
  timestamp: number;
  access_control: JsonColumn;
}

export interface GroupTable {
  id: string;
  user_id: string | null;
  name: string | null;
  description: string | null;
  data: JsonColumn;
  meta: JsonColumn;
  permissions: JsonColumn;
  user_ids: JsonColumn;
  created_at: number | null;
  updated_at: number | null;
}
// --- end workspace

/** Single sign-on: the IdP token set of one user at one provider (`token` is encrypted JSON). */
export interface OAuthSessionTable {
  id: string;
  user_id: string;
  provider: string;
  token: string;
  expires_at: number;
  created_at: number;
  updated_at: number;
}
// ---- files & knowledge (Open WebUI's `file` and `knowledge`); JSON columns: text on SQLite, parsed on PostgreSQL

export interface FileTable {
  id: string;
  user_id: string;
  hash: string | null;
  filename: string;
  path: string | null;
  data: JsonColumn;
  meta: JsonColumn;
  access_control: JsonColumn;
  created_at: number;
  updated_at: number | null;
}

export interface KnowledgeTable {
  id: string;
  user_id: string;
  name: string;
  description: string | null;
  data: JsonColumn;
  meta: JsonColumn;
  access_control: JsonColumn;
  created_at: number;
  updated_at: number | null;
}
// ---- end files & knowledge

/** security: a socket-delivered reply being generated, for marking it interrupted after a crash. */
export interface ReplyInflightTable {
  chat_id: string;
  message_id: string;
  user_id: string;
  instance: string;
  /** Epoch seconds of the running instance's last renewal. */
  heartbeat_at: number;
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

// ---- big chats (009-chat-message-overlay): messages written since the document was last rewritten
export interface ChatMessageOverlayTable {
  chat_id: string;
  message_id: string;
  first_seq: number;
  last_seq: number;
  /** The composed change to the message node, JSON (modules/chats/chats.overlay.ts). */
  op: string;
  created_at: number;
  updated_at: number;
}
// ---- end big chats

export interface Database {
  user: UserTable;
  auth: AuthTable;
  config: ConfigTable;
  chat: ChatTable;
  revoked_token: RevokedTokenTable;
  token_cutoff: TokenCutoffTable;
  model: ModelRecordTable;
  prompt: PromptTable;
  group: GroupTable;
  oauth_session: OAuthSessionTable;
  file: FileTable;
  knowledge: KnowledgeTable;
  reply_inflight: ReplyInflightTable;
  folder: FolderTable;
  feedback: FeedbackTable;
  memory: MemoryTable;
  chat_message_overlay: ChatMessageOverlayTable;
}

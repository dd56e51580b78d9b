/**
 * Wire shapes the UI uses. Where `@owui/contracts` has the schema we import its type (types only: zod
 * stays out of the browser bundle); shapes still missing there are declared here after reference 1.x.
 */
export type {
  AdminConfig,
  ConnectionKind,
  ConnectionReport,
  DoctorFinding,
  DoctorReport,
  DoctorStep,
  LdapServerConfig,
  ModelItem,
  SessionUserResponse as SessionUser,
  UserModel,
} from '@owui/contracts';

export interface AppConfig {
  status: boolean;
  name: string;
  version: string;
  default_locale: string;
  onboarding?: boolean;
  /** Configured sign-in providers: id (the /oauth/{id}/login segment) -> display name. */
  oauth?: { providers: Record<string, string> };
  features: {
    auth: boolean;
    enable_signup: boolean;
    enable_login_form: boolean;
    enable_api_keys: boolean;
    enable_signup_password_confirmation?: boolean;
    enable_ldap?: boolean;
    [k: string]: unknown;
  };
  default_models?: string;
  default_prompt_suggestions?: Array<{ title: string[]; content: string }>;
  user_count?: number;
  ui?: { pending_user_overlay_title?: string; pending_user_overlay_content?: string };
}

/** One node of the chat's message tree (the original's frontend-defined JSON). */
export interface ChatMessage {
  id: string;
  parentId: string | null;
  childrenIds: string[];
  role: 'user' | 'assistant' | 'system';
  content: string;
  model?: string;
  modelName?: string;
  timestamp: number;
  done?: boolean;
  error?: { content: string } | null;
  usage?: Record<string, unknown>;
  /** Documents attached to a user message (`files` on the completion request). */
  files?: Record<string, unknown>[];
  /** Retrieved passages a reply was given (`sources`), rendered as citations. */
  sources?: Record<string, unknown>[];
  /** Status steps of the reply (web search), as the original's `statusHistory`. */
  statusHistory?: Record<string, unknown>[];
  /** Models asked at once (multi-model chat); their replies are shown side by side. */
  models?: string[];
  followUps?: string[];
  annotation?: { rating?: number; comment?: string; reason?: string } | null;
  feedbackId?: string;
  /** Merge Responses: one answer made from the side-by-side answers to this (user) message. */
  merged?: { status: boolean; content: string } | null;
}

export interface ChatBody {
  id?: string;
  title: string;
  models: string[];
  params: Record<string, unknown>;
  history: { messages: Record<string, ChatMessage>; currentId: string | null };
  messages: ChatMessage[];
  tags: string[];
  files: unknown[];
  timestamp: number;
}

/** Body of `POST /api/v1/chats/{id}/messages/{message_id}` (contracts/src/chats.ts MessageForm). */
export interface MessageWrite {
  content?: string;
  role?: ChatMessage['role'];
  parentId?: string | null;
  /** Other keys of the message (model, done, error, annotation, …); never id, parentId, childrenIds. */
  fields?: Record<string, unknown>;
  /** false: the chat's current leaf stays where it is. */
  current?: boolean;
}

export interface ChatResponse {
  id: string;
  user_id: string;
  title: string;
  chat: ChatBody;
  updated_at: number;
  created_at: number;
  share_id?: string | null;
  archived: boolean;
  pinned?: boolean | null;
  meta?: Record<string, unknown>;
  folder_id?: string | null;
}

export interface ChatListItem {
  id: string;
  title: string;
  updated_at: number;
  created_at: number;
  pinned?: boolean | null;
}

export interface UserSettings {
  ui?: {
    theme?: string;
    language?: string;
    models?: string[];
    system?: string;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export interface OllamaConfig {
  ENABLE_OLLAMA_API: boolean;
  OLLAMA_BASE_URLS: string[];
  OLLAMA_API_CONFIGS: Record<string, ConnectionConfig>;
}

export interface OpenAIConfig {
  ENABLE_OPENAI_API: boolean;
  OPENAI_API_BASE_URLS: string[];
  OPENAI_API_KEYS: string[];
  OPENAI_API_CONFIGS: Record<string, ConnectionConfig>;
}

export interface ConnectionConfig {
  enable?: boolean;
  prefix_id?: string;
  key?: string;
  model_ids?: string[];
  tags?: { name: string }[];
  connection_type?: string;
  [k: string]: unknown;
}

// ---- chat app
export interface Tag {
  id: string;
  name: string;
  user_id?: string;
  meta?: unknown;
}

export interface Folder {
  id: string;
  name: string;
  parent_id: string | null;
  is_expanded: boolean;
  meta?: { icon?: string | null } | null;
  created_at: number;
  updated_at: number;
}

export interface Banner {
  id: string;
  type: string;
  title?: string | null;
  content: string;
  dismissible: boolean;
  timestamp: number;
}

export interface FeedbackForm {
  type: 'rating';
  data: { rating: number; model_id?: string; reason?: string; comment?: string };
  meta: { chat_id?: string; message_id?: string };
  snapshot?: { chat?: unknown };
}

export interface Memory {
  id: string;
  content: string;
  created_at: number;
  updated_at: number;
}

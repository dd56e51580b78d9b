import { z } from 'zod';
import { lazy, real } from './lazy.ts';
import { SafeText, UserPermissions } from './users.ts';

/**
 * Workspace wire shapes (Open WebUI 0.6.34): model records, groups, prompts, access control documents
 * and the admin model settings. Field names are the original's.
 */

// Ids reach SQL parameters: PostgreSQL text cannot hold U+0000, so such ids are input errors, not 500s.
const Id = SafeText(255).min(1);
const IdList = lazy(() => z.array(real(Id)).max(10_000));

/** Who may read / write one side of an access control document. */
export const AccessGrant = lazy(() => z.object({
  group_ids: real(IdList).optional().default([]),
  user_ids: real(IdList).optional().default([]),
}));
export type AccessGrant = z.infer<typeof AccessGrant>;

/**
 * `access_control` of a model, prompt, knowledge base, tool, file...: `null` = public (every user may
 * read, only owner/admins write), `{}` = private to the owner, otherwise explicit read/write grants.
 */
export const AccessControl = lazy(() => z
  .object({ read: real(AccessGrant).optional(), write: real(AccessGrant).optional() })
  .nullable());
export type AccessControl = z.infer<typeof AccessControl>;

/** Free-form JSON object (params / meta keep every key a client sends, like the original's extra="allow"). */
const JsonObject = lazy(() => z.record(z.string(), z.unknown()));

export const ModelMeta = lazy(() => z.looseObject({
  profile_image_url: z.string().max(10 * 1024 * 1024).nullable().optional(),
  description: z.string().max(100_000).nullable().optional(),
  capabilities: real(JsonObject).nullable().optional(),
  suggestion_prompts: z.array(z.unknown()).nullable().optional(),
  tags: z.array(z.unknown()).nullable().optional(),
  knowledge: z.array(z.unknown()).nullable().optional(),
  toolIds: z.array(z.string()).nullable().optional(),
}));
export type ModelMeta = z.infer<typeof ModelMeta>;

/** Model params: `system` plus generation options (temperature, top_p, max_tokens, seed, stop, num_ctx...). */
export const ModelParams = lazy(() => z.looseObject({
  system: z.string().max(1_000_000).nullable().optional(),
}));
export type ModelParams = z.infer<typeof ModelParams>;

/** POST /api/v1/models/create and /model/update. */
export const ModelForm = lazy(() => z.object({
  // Longer than 256 is refused by the service with the original's MODEL_ID_TOO_LONG (400).
  id: SafeText(100_000).min(1, 'model id is required'),
  base_model_id: SafeText(256).nullable().optional().default(null),
  name: SafeText(1000).min(1),
  meta: real(ModelMeta),
  params: real(ModelParams),
  access_control: real(AccessControl).optional().default(null),
  is_active: z.boolean().optional().default(true),
}));
export type ModelForm = z.infer<typeof ModelForm>;

export const ModelRecord = lazy(() => z.object({
  id: z.string(),
  user_id: z.string(),
  base_model_id: z.string().nullable(),
  name: z.string(),
  params: real(ModelParams),
  meta: real(ModelMeta),
  access_control: real(AccessControl),
  is_active: z.boolean(),
  updated_at: z.number(),
  created_at: z.number(),
}));
export type ModelRecord = z.infer<typeof ModelRecord>;

export const ModelIdQuery = lazy(() => z.object({ id: SafeText(1024).min(1) }));
/** A path id (group ids are UUIDs, but any text is looked up, NUL excepted). */
export const WorkspaceIdParams = lazy(() => z.object({ id: SafeText(255).min(1) }));
export const ModelsImportForm = lazy(() => z.object({ models: z.array(z.record(z.string(), z.unknown())).max(10_000) }));
export const ModelsSyncForm = lazy(() => z.object({ models: z.array(real(ModelForm).extend({ user_id: z.string().optional(), created_at: z.number().optional(), updated_at: z.number().optional() })).max(10_000).default([]) }));

// ---- groups

export const GroupForm = lazy(() => z.object({
  name: SafeText(255).min(1),
  description: SafeText(10_000).default(''),
  permissions: real(UserPermissions).partial().nullable().optional(),
}));
export type GroupForm = z.infer<typeof GroupForm>;

export const GroupUpdateForm = lazy(() => real(GroupForm).extend({ user_ids: real(IdList).nullable().optional() }));
export type GroupUpdateForm = z.infer<typeof GroupUpdateForm>;

export const UserIdsForm = lazy(() => z.object({ user_ids: real(IdList).nullable().optional() }));

export const GroupResponse = lazy(() => z.object({
  id: z.string(),
  user_id: z.string(),
  name: z.string(),
  description: z.string(),
  permissions: real(JsonObject).nullable(),
  data: real(JsonObject).nullable(),
  meta: real(JsonObject).nullable(),
  user_ids: z.array(z.string()),
  created_at: z.number(),
  updated_at: z.number(),
}));
export type GroupResponse = z.infer<typeof GroupResponse>;

// ---- prompts

/** A `/command`: starts with a slash, then letters, digits, `-` or `_` (what the original UI allows). */
export const PromptCommand = lazy(() => z
  .string()
  .max(255)
  .regex(/^\/[\p{L}\p{N}_-]+$/u, 'command must look like /name (letters, digits, - and _)'));

export const PromptForm = lazy(() => z.object({
  command: real(PromptCommand),
  title: SafeText(1000).min(1),
  content: SafeText(1_000_000),
  access_control: real(AccessControl).optional().default(null),
}));
export type PromptForm = z.infer<typeof PromptForm>;

export const PromptModel = lazy(() => z.object({
  command: z.string(),
  user_id: z.string(),
  title: z.string(),
  content: z.string(),
  timestamp: z.number(),
  access_control: real(AccessControl),
}));
export type PromptModel = z.infer<typeof PromptModel>;

// ---- admin model settings (/api/v1/configs/models)

export const ModelsConfigForm = lazy(() => z.object({
  DEFAULT_MODELS: z.string().max(100_000).nullable(),
  MODEL_ORDER_LIST: z.array(z.string().max(1024)).max(10_000).nullable(),
  DEFAULT_PINNED_MODELS: z.string().max(100_000).nullable().optional(),
}));
export type ModelsConfigForm = z.infer<typeof ModelsConfigForm>;

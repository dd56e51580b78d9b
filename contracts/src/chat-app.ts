import { z } from 'zod';
import { lazy, real } from './lazy.ts';

/**
 * Wire shapes of the everyday chat app's small endpoints, with Open WebUI 0.6.34's field names:
 * folders, banners, connection flags, webhook, feedback (evaluations), memories and task settings.
 */

const Json = lazy(() => z.record(z.string(), z.unknown()));
// PostgreSQL text cannot carry U+0000: such input is a client error, not a 500.
const NoNul = (s: string) => !s.includes('\0');
const Name = lazy(() => z.string().trim().min(1, 'Name is required').max(255).refine(NoNul, 'must not contain NUL characters'));
const Id = lazy(() => z.string().max(255).refine(NoNul, 'must not contain NUL characters'));

// ---- /api/v1/folders
export const FolderForm = lazy(() => z.looseObject({ name: real(Name), data: real(Json).nullable().optional(), meta: real(Json).nullable().optional(), parent_id: real(Id).nullable().optional() }));
export type FolderForm = z.infer<typeof FolderForm>;
export const FolderUpdateForm = lazy(() => z.looseObject({ name: real(Name).nullable().optional(), data: real(Json).nullable().optional(), meta: real(Json).nullable().optional() }));
export type FolderUpdateForm = z.infer<typeof FolderUpdateForm>;
export const FolderParentIdForm = lazy(() => z.object({ parent_id: real(Id).nullable().optional() }));
export const FolderIsExpandedForm = lazy(() => z.object({ is_expanded: z.boolean() }));

export const FolderModel = lazy(() => z.object({
  id: z.string(),
  parent_id: z.string().nullable(),
  user_id: z.string(),
  name: z.string(),
  items: real(Json).nullable(),
  meta: real(Json).nullable(),
  data: real(Json).nullable(),
  is_expanded: z.boolean(),
  created_at: z.number(),
  updated_at: z.number(),
}));
export type FolderModel = z.infer<typeof FolderModel>;

// ---- /api/v1/configs/banners, /connections; /api/webhook
export const BannerModel = lazy(() => z.object({
  id: z.string().max(255),
  type: z.string().max(64),
  title: z.string().max(1000).nullable().optional(),
  content: z.string().max(10_000),
  dismissible: z.boolean(),
  timestamp: z.number().int(),
}));
export type BannerModel = z.infer<typeof BannerModel>;
export const PromptSuggestion = lazy(() => z.object({ title: z.array(z.string().max(200)).max(4), content: z.string().max(10_000) }));
export const SetDefaultSuggestionsForm = lazy(() => z.object({ suggestions: z.array(real(PromptSuggestion)).max(100) }));
export const SetBannersForm = lazy(() => z.object({ banners: z.array(real(BannerModel)).max(50) }));
export const ConnectionsConfigForm = lazy(() => z.object({ ENABLE_DIRECT_CONNECTIONS: z.boolean(), ENABLE_BASE_MODELS_CACHE: z.boolean() }));
export const UrlForm = lazy(() => z.object({ url: z.string().max(2048) }));

// ---- /api/v1/evaluations/feedback
export const FeedbackForm = lazy(() => z.looseObject({
  type: z.string().max(64),
  data: real(Json).nullable().optional(),
  meta: real(Json).nullable().optional(),
  snapshot: real(Json).nullable().optional(),
}));
export type FeedbackForm = z.infer<typeof FeedbackForm>;

// ---- /api/v1/memories
export const AddMemoryForm = lazy(() => z.object({ content: z.string().trim().min(1, 'Content is required').max(20_000) }));
export const MemoryUpdateModel = lazy(() => z.object({ content: z.string().trim().min(1).max(20_000).nullable().optional() }));
export const QueryMemoryForm = lazy(() => z.object({ content: z.string().max(20_000), k: z.number().int().min(1).max(100).optional() }));

// ---- /api/v1/tasks
export const TaskConfigForm = lazy(() => z.looseObject({
  TASK_MODEL: z.string().nullable().optional(),
  TASK_MODEL_EXTERNAL: z.string().nullable().optional(),
  ENABLE_TITLE_GENERATION: z.boolean().optional(),
  TITLE_GENERATION_PROMPT_TEMPLATE: z.string().optional(),
  ENABLE_TAGS_GENERATION: z.boolean().optional(),
  TAGS_GENERATION_PROMPT_TEMPLATE: z.string().optional(),
  ENABLE_FOLLOW_UP_GENERATION: z.boolean().optional(),
  FOLLOW_UP_GENERATION_PROMPT_TEMPLATE: z.string().optional(),
}));
export type TaskConfigForm = z.infer<typeof TaskConfigForm>;
/** `/api/v1/tasks/{title,tags,follow_up}/completions` body. */
export const TaskCompletionForm = lazy(() => z.looseObject({
  model: z.string().min(1).max(500),
  messages: z.array(z.looseObject({ role: z.string(), content: z.unknown() })).max(1000),
  chat_id: z.string().max(500).nullable().optional(),
  stream: z.boolean().optional(),
}));
export type TaskCompletionForm = z.infer<typeof TaskCompletionForm>;
/** `/api/v1/tasks/moa/completions` (Merge Responses). */
export const MoaCompletionForm = lazy(() => z.looseObject({
  model: z.string().min(1).max(500),
  prompt: z.string().max(200_000),
  responses: z.array(z.string().max(200_000)).min(1).max(16),
  stream: z.boolean().optional(),
  chat_id: z.string().max(500).nullable().optional(),
}));
export type MoaCompletionForm = z.infer<typeof MoaCompletionForm>;

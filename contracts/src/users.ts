import { z } from 'zod';
import { lazy, real } from './lazy.ts';

export const UserRole = lazy(() => z.enum(['pending', 'user', 'admin']));
export type UserRole = z.infer<typeof UserRole>;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Free text a person types (names, bios). Rejects what breaks storage or display rather than letting
 * the database fail: NUL characters (PostgreSQL refuses them) and lone UTF-16 surrogates.
 */
export const SafeText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters')
    .refine((s) => !LONE_SURROGATE.test(s), 'must be well-formed unicode');

/** Open WebUI's UserModel as the API returns it. */
export const UserModel = lazy(() => z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  username: z.string().nullable().optional(),
  role: real(UserRole),
  profile_image_url: z.string(),
  bio: z.string().nullable().optional(),
  gender: z.string().nullable().optional(),
  date_of_birth: z.string().nullable().optional(),
  info: z.record(z.string(), z.unknown()).nullable().optional(),
  settings: z.record(z.string(), z.unknown()).nullable().optional(),
  api_key: z.string().nullable().optional(),
  oauth_sub: z.string().nullable().optional(),
  last_active_at: z.number(),
  updated_at: z.number(),
  created_at: z.number(),
}));
export type UserModel = z.infer<typeof UserModel>;

/** `GET /api/v1/users/` query string. */
export const UserListQuery = lazy(() => z.object({
  query: z.string().max(255).optional(),
  order_by: z.string().max(100).optional(),
  direction: z.enum(['asc', 'desc']).optional(),
  page: z.coerce.number().int().min(1).max(1_000_000).optional(),
}));
export type UserListQuery = z.infer<typeof UserListQuery>;

export const UserListItem = lazy(() => real(UserModel).omit({ api_key: true }).extend({ group_ids: z.array(z.string()) }));
export const UserListResponse = lazy(() => z.object({ users: z.array(real(UserListItem)), total: z.number() }));
export type UserListResponse = z.infer<typeof UserListResponse>;

/** `GET /api/v1/users/{id}`: what any verified user may learn about another. */
export const UserPublicInfo = lazy(() => z.object({ name: z.string(), profile_image_url: z.string(), active: z.boolean() }));
export type UserPublicInfo = z.infer<typeof UserPublicInfo>;

export const UserRoleUpdateForm = lazy(() => z.object({ id: z.string().max(255), role: real(UserRole) }));
export type UserRoleUpdateForm = z.infer<typeof UserRoleUpdateForm>;

/** `POST /api/v1/users/{id}/update` (admin). An empty or missing password leaves it unchanged. */
export const UserUpdateForm = lazy(() => z.object({
  role: real(UserRole),
  name: SafeText(255),
  email: SafeText(255),
  profile_image_url: SafeText(2_000_000),
  password: z.string().max(1024).nullable().optional(),
}));
export type UserUpdateForm = z.infer<typeof UserUpdateForm>;

/** Per-user UI settings: `ui` plus whatever else the client stores. */
export const UserSettings = lazy(() => z.looseObject({ ui: z.record(z.string(), z.unknown()).optional() }));
export type UserSettings = z.infer<typeof UserSettings>;

export const UserInfo = lazy(() => z.record(z.string(), z.unknown()));
export type UserInfo = z.infer<typeof UserInfo>;

const PermissionSection = lazy(() => z.record(z.string(), z.unknown()));
/** The permission tree (`USER_PERMISSIONS`): feature flags grouped as the original groups them. */
export const UserPermissions = lazy(() => z.looseObject({
  workspace: real(PermissionSection),
  sharing: real(PermissionSection),
  chat: real(PermissionSection),
  features: real(PermissionSection),
}));
export type UserPermissions = z.infer<typeof UserPermissions>;

import { z } from 'zod';
import { lazy, real } from './lazy.ts';
import { SafeText, UserRole } from './users.ts';

// Emails and passwords are checked by the server for their exact error texts (400s with Open WebUI's
// messages); the schemas only pin types and bound sizes.
const Email = SafeText(255);
const Password = lazy(() => z.string().max(1024));
const ProfileImage = SafeText(2_000_000);

export const SigninForm = lazy(() => z.object({ email: z.string().max(1024), password: z.string().max(1024) }));
export type SigninForm = z.infer<typeof SigninForm>;

export const SignupForm = lazy(() => z.object({
  name: SafeText(255),
  email: Email,
  password: real(Password),
  profile_image_url: ProfileImage.optional(),
}));
export type SignupForm = z.infer<typeof SignupForm>;

/** `POST /api/v1/auths/add`: an admin creates an account. */
export const AddUserForm = lazy(() => real(SignupForm).extend({ role: real(UserRole).optional() }));
export type AddUserForm = z.infer<typeof AddUserForm>;

export const UpdateProfileForm = lazy(() => z.object({
  profile_image_url: ProfileImage,
  name: SafeText(255),
  bio: SafeText(10_000).nullable().optional(),
  gender: SafeText(255).nullable().optional(),
  date_of_birth: SafeText(32).nullable().optional(),
}));
export type UpdateProfileForm = z.infer<typeof UpdateProfileForm>;

export const UpdatePasswordForm = lazy(() => z.object({ password: z.string().max(1024), new_password: real(Password) }));
export type UpdatePasswordForm = z.infer<typeof UpdatePasswordForm>;

export const UpdateTimezoneForm = lazy(() => z.object({ timezone: SafeText(100) }));

/** What sign-in, sign-up and `GET /api/v1/auths/` return. */
export const SessionUserResponse = lazy(() => z.object({
  token: z.string(),
  token_type: z.literal('Bearer'),
  expires_at: z.number().nullable(),
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: real(UserRole),
  profile_image_url: z.string(),
  permissions: z.record(z.string(), z.unknown()).nullable(),
  bio: z.string().nullable().optional(),
  gender: z.string().nullable().optional(),
  date_of_birth: z.string().nullable().optional(),
  status_emoji: z.string().nullable().optional(),
  status_message: z.string().nullable().optional(),
  status_expires_at: z.number().nullable().optional(),
}));
export type SessionUserResponse = z.infer<typeof SessionUserResponse>;

/** `POST /api/v1/auths/add` answer: the new account and a token for it. */
export const AddUserResponse = lazy(() => z.object({
  token: z.string(),
  token_type: z.literal('Bearer'),
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: real(UserRole),
  profile_image_url: z.string(),
}));
export type AddUserResponse = z.infer<typeof AddUserResponse>;

export const SignoutResponse = lazy(() => z.object({ status: z.boolean(), redirect_url: z.string().optional() }));
export const ApiKeyResponse = lazy(() => z.object({ api_key: z.string() }));
export const AdminDetails = lazy(() => z.object({ name: z.string(), email: z.string() }));

/**
 * `GET|POST /api/v1/auths/admin/config`. Keys this build does not implement (folders, channels, ...)
 * are reported with their fixed values and accepted but ignored on save.
 */
export const AdminConfig = lazy(() => z.object({
  SHOW_ADMIN_DETAILS: z.boolean(),
  ADMIN_EMAIL: z.string().max(255).nullable().optional(),
  WEBUI_URL: z.string().max(2048),
  ENABLE_SIGNUP: z.boolean(),
  ENABLE_API_KEYS: z.boolean(),
  ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS: z.boolean(),
  API_KEYS_ALLOWED_ENDPOINTS: z.string().max(10_000),
  DEFAULT_USER_ROLE: z.string().max(50),
  DEFAULT_GROUP_ID: z.string().max(255).nullable().optional(),
  JWT_EXPIRES_IN: z.string().max(100),
  ENABLE_COMMUNITY_SHARING: z.boolean().optional(),
  ENABLE_MESSAGE_RATING: z.boolean().optional(),
  ENABLE_FOLDERS: z.boolean().optional(),
  FOLDER_MAX_FILE_COUNT: z.number().nullable().optional(),
  ENABLE_CHANNELS: z.boolean().optional(),
  ENABLE_MEMORIES: z.boolean().optional(),
  ENABLE_NOTES: z.boolean().optional(),
  ENABLE_USER_WEBHOOKS: z.boolean().optional(),
  ENABLE_USER_STATUS: z.boolean().optional(),
  PENDING_USER_OVERLAY_TITLE: z.string().max(10_000).nullable().optional(),
  PENDING_USER_OVERLAY_CONTENT: z.string().max(100_000).nullable().optional(),
  RESPONSE_WATERMARK: z.string().max(10_000).nullable().optional(),
}));
export type AdminConfig = z.infer<typeof AdminConfig>;

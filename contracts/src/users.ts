import { z } from 'zod';

export const UserRole = z.enum(['pending', 'user', 'admin']);
export type UserRole = z.infer<typeof UserRole>;

/** Open WebUI's UserModel as the API returns it. */
export const UserModel = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  username: z.string().nullable().optional(),
  role: UserRole,
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
});
export type UserModel = z.infer<typeof UserModel>;

import { z } from 'zod';
import { lazy, real } from './lazy.ts';

/**
 * Tool servers (Admin > Settings > External Tools, user settings) and `/api/v1/tools/`, in Open WebUI
 * 0.6.34's shapes. Extra fields are kept (the original's model allows them: `info`, `spec_type`, `spec`).
 */

export const TOOL_SERVER_AUTH_TYPES = ['none', 'bearer', 'session', 'system_oauth', 'oauth_2.1'] as const;

export const ToolServerConnection = lazy(() => z.looseObject({
  url: z.string(),
  path: z.string().default(''),
  type: z.string().nullable().optional().default('openapi'), // openapi | mcp
  auth_type: z.string().nullable().optional(),
  key: z.string().nullable().optional(),
  config: z.record(z.string(), z.unknown()).nullable().optional(),
  info: z.record(z.string(), z.unknown()).nullable().optional(),
}));
export type ToolServerConnection = z.infer<typeof ToolServerConnection>;

export const ToolServersConfigForm = lazy(() => z.object({
  TOOL_SERVER_CONNECTIONS: z.array(real(ToolServerConnection)),
}));
export type ToolServersConfigForm = z.infer<typeof ToolServersConfigForm>;

/** One function a tool server offers, as given to the model (`{type: 'function', function: spec}`). */
export const ToolSpec = lazy(() => z.looseObject({
  name: z.string(),
  description: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
}));
export type ToolSpec = z.infer<typeof ToolSpec>;

/** `GET /api/v1/tools/` item (ToolUserResponse). */
export const ToolUserResponse = lazy(() => z.looseObject({
  id: z.string(),
  user_id: z.string(),
  name: z.string(),
  meta: z.looseObject({ description: z.string().nullable().optional() }),
  access_control: z.record(z.string(), z.unknown()).nullable().optional(),
  updated_at: z.number(),
  created_at: z.number(),
}));
export type ToolUserResponse = z.infer<typeof ToolUserResponse>;

/** A per-user tool server sent with a chat request (`tool_servers`): the original UI sends url + openapi + specs. */
export const DirectToolServer = lazy(() => z.looseObject({
  url: z.string(),
  path: z.string().optional(),
  openapi: z.record(z.string(), z.unknown()).nullable().optional(),
  info: z.record(z.string(), z.unknown()).nullable().optional(),
  specs: z.array(z.unknown()).nullable().optional(),
  auth_type: z.string().nullable().optional(),
  key: z.string().nullable().optional(),
}));
export type DirectToolServer = z.infer<typeof DirectToolServer>;

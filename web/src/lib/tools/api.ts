import { http } from '$lib/api';

/** Tool server connection, as Open WebUI stores it (Admin > Settings > External Tools, user settings). */
export interface ToolServerConnection {
  url: string;
  path: string;
  type?: 'openapi' | 'mcp' | string;
  auth_type?: 'none' | 'bearer' | 'session' | string;
  key?: string;
  config?: { enable?: boolean; access_control?: unknown } & Record<string, unknown>;
  info?: { id?: string; name?: string; description?: string } & Record<string, unknown>;
}

export interface ToolItem {
  id: string;
  name: string;
  meta: { description?: string | null };
}

export const toolsApi = {
  list: () => http.get<ToolItem[]>('/api/v1/tools/'),
  connections: () => http.get<{ TOOL_SERVER_CONNECTIONS: ToolServerConnection[] }>('/api/v1/configs/tool_servers'),
  saveConnections: (list: ToolServerConnection[]) =>
    http.post<{ TOOL_SERVER_CONNECTIONS: ToolServerConnection[] }>('/api/v1/configs/tool_servers', { TOOL_SERVER_CONNECTIONS: list }),
  verify: (c: ToolServerConnection) => http.post<Record<string, unknown>>('/api/v1/configs/tool_servers/verify', c),
};

/** Every connection gets its `info` and `config` objects up front: templates may read but not create state. */
export function normalizeConnection(c: Partial<ToolServerConnection>): ToolServerConnection {
  return {
    ...c,
    url: c.url ?? '',
    path: c.path ?? 'openapi.json',
    type: c.type ?? 'openapi',
    auth_type: c.auth_type ?? 'bearer',
    key: c.key ?? '',
    config: { enable: true, access_control: null, ...(c.config ?? {}) },
    info: { id: '', name: '', description: '', ...(c.info ?? {}) },
  };
}

import type { UserModel } from '@owui/contracts';

/**
 * ENABLE_FORWARD_USER_INFO_HEADERS: who is asking, for upstreams that bill or log per user. The name is
 * URL-encoded because header values must be ASCII.
 */
export function userInfoHeaders(enabled: boolean, user?: UserModel | null, chatId?: string): Record<string, string> {
  if (!enabled || !user) return {};
  const h: Record<string, string> = {
    'X-OpenWebUI-User-Name': encodeURIComponent(user.name),
    'X-OpenWebUI-User-Id': user.id,
    'X-OpenWebUI-User-Email': user.email,
    'X-OpenWebUI-User-Role': user.role,
  };
  if (chatId) h['X-OpenWebUI-Chat-Id'] = chatId;
  return h;
}

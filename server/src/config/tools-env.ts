import { ConfigError, bool as flag, num, type Env } from './env-parse.js';

/**
 * Environment for tool servers (issue 19). Names from Open WebUI 0.6.34 where it has them; the ones
 * marked "ours" do not exist there (the original runs per-user tool servers in the browser).
 */
function connections(env: Env): Record<string, unknown>[] {
  const raw = env.TOOL_SERVER_CONNECTIONS;
  if (raw === undefined || raw.trim() === '') return [];
  try {
    const v: unknown = JSON.parse(raw);
    if (Array.isArray(v) && v.every((x) => x && typeof x === 'object' && !Array.isArray(x))) return v as Record<string, unknown>[];
  } catch {
    /* reported below */
  }
  throw new ConfigError('TOOL_SERVER_CONNECTIONS', 'Accepted: a JSON list of connection objects.', raw);
}

export function toolsConfig(env: Env) {
  return {
    /** Seed of the persistent TOOL_SERVER_CONNECTIONS setting. */
    connections: connections(env),
    /** AIOHTTP_CLIENT_TIMEOUT_TOOL_SERVER_DATA: fetching an OpenAPI spec / listing MCP tools. */
    specTimeoutSeconds: num(env, 'AIOHTTP_CLIENT_TIMEOUT_TOOL_SERVER_DATA', 10, 1),
    verifyTls: flag(env, 'AIOHTTP_CLIENT_SESSION_TOOL_SERVER_SSL', true),
    /** CHAT_RESPONSE_MAX_TOOL_CALL_RETRIES: model rounds with tool calls per reply. */
    maxToolRounds: num(env, 'CHAT_RESPONSE_MAX_TOOL_CALL_RETRIES', 30, 1),
    /** Ours: one tool call's time limit (the original uses AIOHTTP_CLIENT_TIMEOUT, 300 s). */
    callTimeoutSeconds: num(env, 'TOOL_SERVER_CALL_TIMEOUT', 60, 1),
    /** Ours: largest tool server answer accepted, and larger results are cut before they reach the model. */
    maxResultBytes: num(env, 'TOOL_SERVER_MAX_RESULT_BYTES', 1024 * 1024, 1024),
    /** Ours: let per-user tool servers reach private/loopback addresses (off: they go through the SSRF guard). */
    allowLocalDirectServers: flag(env, 'ENABLE_LOCAL_DIRECT_TOOL_SERVERS', false),
  };
}

import { DirectToolServer, type ToolSpec, type UserModel } from '@owui/contracts';
import { safeFetch, type SafeFetchPolicy } from '../../net/safe-fetch.js';
import { hasPermission } from '../users/permissions.js';
import { canUseToolServer } from './tools.access.js';
import { GroupsRepository } from '../groups/groups.repository.js';
import { connectMcp, type McpSession } from './mcp-client.js';
import { openapiToToolSpecs, operationRequest, toolServerUrl } from './openapi-tools.js';
import { connectionEnabled, connectionId, connectionType, describeError, ToolServersService } from './tool-servers.service.js';

/**
 * The tools one reply may use: `tool_ids` (admin servers, `server:<id>` / `server:mcp:<id>`) and
 * `tool_servers` (the user's own OpenAPI servers, sent by the UI). Each tool's `call` never throws: a
 * dead, slow or garbage server becomes an error text the model can read (and the user sees in the call).
 */

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

export interface ToolResult {
  content: string;
  error: boolean;
}

export interface ResolvedTool {
  toolId: string;
  spec: ToolSpec;
  call(args: Json): Promise<ToolResult>;
}

export interface ToolSet {
  tools: Map<string, ResolvedTool>;
  /** Servers that could not be used for this reply, with the reason (shown to the user). */
  problems: string[];
  close(): Promise<void>;
}

const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function cap(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  return `${Buffer.from(text).subarray(0, max).toString('utf8')}\n[truncated: the tool result was larger than ${max} bytes]`;
}

const errorResult = (message: string): ToolResult => ({ content: JSON.stringify({ error: message }), error: true });

/** Only the parameters the spec declares reach the server (the original does the same). */
function allowedArgs(spec: ToolSpec, args: Json): Json {
  const props = isObj(spec.parameters) && isObj(spec.parameters.properties) ? spec.parameters.properties : null;
  if (!props) return args;
  const out: Json = Object.create(null) as Json;
  for (const [k, v] of Object.entries(args)) if (Object.hasOwn(props, k)) out[k] = v;
  return out;
}

function openapiTool(
  svc: ToolServersService,
  toolId: string,
  spec: ToolSpec,
  server: { url: string; openapi: Json; headers: Record<string, string>; policy: SafeFetchPolicy },
): ResolvedTool {
  return {
    toolId,
    spec,
    async call(args) {
      const req = operationRequest(server.openapi, server.url, spec.name, allowedArgs(spec, args));
      if (!req) return errorResult(`No matching route found for operationId: ${spec.name}`);
      try {
        const res = await safeFetch(req.url, {
          ...server.policy,
          method: req.method,
          headers: { accept: 'application/json', 'content-type': 'application/json', ...server.headers },
          body: req.body,
          maxRedirects: 0,
          timeoutMs: svc.limits.callTimeoutSeconds * 1000,
          maxBytes: svc.limits.maxResultBytes,
        });
        if (res.status >= 400) return errorResult(`HTTP error ${res.status}: ${cap(res.text(), 2000)}`);
        let value: unknown;
        try {
          value = res.json();
        } catch {
          value = res.text();
        }
        return { content: cap(asText(value), svc.limits.maxResultBytes), error: false };
      } catch (err) {
        return errorResult(describeError(err));
      }
    },
  };
}

/** MCP text items that hold JSON become values, like the original's process_tool_result. */
function mcpContent(items: unknown[]): unknown {
  return items.map((item) => {
    if (!isObj(item)) return item;
    if (item.type === 'text' && typeof item.text === 'string') {
      try {
        return JSON.parse(item.text) as unknown;
      } catch {
        return item.text;
      }
    }
    return item;
  });
}

function addUnique(tools: Map<string, ResolvedTool>, prefix: string, tool: ResolvedTool): void {
  let name = tool.spec.name;
  while (tools.has(name)) name = `${prefix}_${name}`;
  tools.set(name, name === tool.spec.name ? tool : { ...tool, spec: { ...tool.spec, name } });
}

/** At most this many tool servers per reply: each costs a connection (and a spec fetch) before the model runs. */
const MAX_SERVERS_PER_REPLY = 16;

interface ServerTools {
  prefix: string;
  tools: ResolvedTool[];
  problem?: string;
  session?: McpSession;
}

function mcpTool(toolId: string, serverId: string, spec: ToolSpec, session: McpSession, limits: ToolServersService['limits']): ResolvedTool {
  return {
    toolId,
    spec: { ...spec, name: `${serverId}_${spec.name}` },
    async call(args) {
      try {
        const items = await session.call(spec.name, allowedArgs(spec, args), limits.callTimeoutSeconds * 1000);
        return { content: cap(asText(mcpContent(items)), limits.maxResultBytes), error: false };
      } catch (err) {
        return errorResult(describeError(err));
      }
    },
  };
}

/** One admin server's tools for this reply (`server:<id>` or `server:mcp:<id>`), or null if not usable by `user`. */
async function adminServerTools(svc: ToolServersService, user: UserModel, groupIds: readonly string[], toolId: string): Promise<ServerTools | null> {
  if (!toolId.startsWith('server:')) return null; // Python tools are not supported in this build
  const connections = svc.connections();
  const isMcp = toolId.startsWith('server:mcp:');
  const serverId = isMcp ? toolId.slice('server:mcp:'.length) : toolId.slice('server:'.length).split('|')[0]!;
  const idx = connections.findIndex((c, i) => connectionType(c) === (isMcp ? 'mcp' : 'openapi') && connectionId(c, i) === serverId);
  const c = connections[idx];
  if (!c || !connectionEnabled(c) || !canUseToolServer(user, groupIds, c)) return null;
  const label = (isObj(c.info) && typeof c.info.name === 'string' && c.info.name) || String(c.url ?? serverId);
  let session: McpSession | undefined;
  try {
    if (isMcp) {
      session = await connectMcp(String(c.url ?? ''), { headers: await svc.authHeaders(c, user, 'none'), policy: svc.adminPolicy(), timeoutMs: svc.limits.specTimeoutSeconds * 1000 });
      const specs = await session.tools();
      return { prefix: serverId, session, tools: specs.map((spec) => mcpTool(toolId, serverId, spec, session!, svc.limits)) };
    }
    const data = await svc.openapiServer(idx, user);
    const headers = await svc.authHeaders(c, user, 'bearer');
    return { prefix: serverId, tools: data.specs.map((spec) => openapiTool(svc, toolId, spec, { url: data.url, openapi: data.openapi, headers, policy: svc.adminPolicy() })) };
  } catch (err) {
    await session?.close();
    return { prefix: serverId, tools: [], problem: `${label}: ${describeError(err)}` };
  }
}

/** A user's own server, sent with the request; always through the SSRF guard unless the admin allows local ones. */
async function directServerTools(svc: ToolServersService, raw: unknown): Promise<ServerTools | null> {
  const parsed = DirectToolServer.safeParse(raw);
  if (!parsed.success) return null;
  const server = parsed.data;
  const policy: SafeFetchPolicy = { allowPrivate: svc.limits.allowLocalDirectServers, verifyTls: svc.ctxConfig.tools.verifyTls };
  const headers: Record<string, string> = (server.auth_type ?? 'bearer') === 'bearer' && server.key ? { authorization: `Bearer ${server.key}` } : {};
  try {
    const openapi = isObj(server.openapi) && isObj(server.openapi.paths)
      ? server.openapi
      : await svc.fetchSpec(toolServerUrl(server.url, server.path || 'openapi.json'), headers, policy);
    return { prefix: 'direct', tools: openapiToToolSpecs(openapi).map((spec) => openapiTool(svc, `direct:${server.url}`, spec, { url: server.url, openapi, headers, policy })) };
  } catch (err) {
    return { prefix: 'direct', tools: [], problem: `${server.url}: ${describeError(err)}` };
  }
}

export async function resolveToolSet(
  svc: ToolServersService,
  user: UserModel,
  toolIds: string[],
  directServers: unknown[],
): Promise<ToolSet> {
  const direct = directServers.length && (await hasPermission(svc.ctx, user, 'features.direct_tool_servers')) ? directServers : [];
  const groupIds = user.role === 'admin' ? [] : await GroupsRepository.for(svc.ctx).groupIdsForUser(user.id);
  // Servers are reached in parallel (a slow one costs its timeout once, not once per server before it).
  const results = await Promise.all([
    ...[...new Set(toolIds)].slice(0, MAX_SERVERS_PER_REPLY).map((id) => adminServerTools(svc, user, groupIds, id)),
    ...direct.slice(0, MAX_SERVERS_PER_REPLY).map((raw) => directServerTools(svc, raw)),
  ]);
  const tools = new Map<string, ResolvedTool>();
  const problems: string[] = [];
  const sessions: McpSession[] = [];
  for (const r of results) {
    if (!r) continue;
    if (r.problem) problems.push(r.problem);
    if (r.session) sessions.push(r.session);
    for (const t of r.tools) addUnique(tools, r.prefix, t);
  }
  return {
    tools,
    problems,
    close: async () => {
      await Promise.all(sessions.map((s) => s.close()));
    },
  };
}

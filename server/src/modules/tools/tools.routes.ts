import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ToolServerConnection, ToolServersConfigForm, type ToolUserResponse, type UserModel } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { currentUser } from '../../plugins/auth-guard.js';
import type { ZodTypeProvider } from '../../plugins/zod.js';
import { connectMcp } from './mcp-client.js';
import { toolServerUrl } from './openapi-tools.js';
import { accessControlOf, canUseToolServer } from './tools.access.js';
import { GroupsRepository } from '../groups/groups.repository.js';
import { connectionEnabled, connectionId, connectionType, describeError, ToolServersService } from './tool-servers.service.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

const PYTHON_UNSUPPORTED = 'Python tools and functions are not supported by this server; connect an OpenAPI or MCP tool server instead.';

/**
 * `/api/v1/tools/*` (server-provided tools; Python tools are out of scope and answer empty lists),
 * `/api/v1/functions/*` (always empty, so the original UI loads), and the admin's tool server settings
 * `/api/v1/configs/tool_servers[/verify]`.
 */
export async function toolsRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = ToolServersService.for(ctx);
  const verified = { config: { auth: 'verified' } } as const;
  const admin = { config: { auth: 'admin' } } as const;

  async function serverTools(user: UserModel): Promise<ToolUserResponse[]> {
    const now = Math.floor(Date.now() / 1000);
    const connections = svc.connections();
    const groupIds = user.role === 'admin' ? [] : await GroupsRepository.for(ctx).groupIdsForUser(user.id);
    const out: ToolUserResponse[] = [];
    for (const server of await svc.openapiServers(user)) {
      const c = connections[server.idx]!;
      if (!canUseToolServer(user, groupIds, c)) continue;
      const info = server.openapi.info as Json;
      const id = `server:${server.id}`;
      out.push({ id, user_id: id, name: typeof info.title === 'string' ? info.title : 'Tool Server', meta: { description: typeof info.description === 'string' ? info.description : '' }, access_control: accessControlOf(c), updated_at: now, created_at: now });
    }
    connections.forEach((c, idx) => {
      if (connectionType(c) !== 'mcp' || !connectionEnabled(c) || !canUseToolServer(user, groupIds, c)) return;
      const info = isObj(c.info) ? c.info : {};
      const id = `server:mcp:${connectionId(c, idx)}`;
      out.push({ id, user_id: id, name: typeof info.name === 'string' ? info.name : 'MCP Tool Server', meta: { description: typeof info.description === 'string' ? info.description : '' }, access_control: accessControlOf(c), updated_at: now, created_at: now });
    });
    return out;
  }

  app.get('/api/v1/tools/', verified, async (request) => serverTools(currentUser(request)));
  // Tools the user may edit: only Python tools are editable, and there are none here.
  app.get('/api/v1/tools/list', verified, async () => []);
  app.get('/api/v1/tools/export', admin, async () => []);

  app.get('/api/v1/tools/id/:id', { ...verified, schema: { params: z.object({ id: z.string() }) } }, async (request) => {
    const user = currentUser(request);
    const item = (await serverTools(user)).find((t) => t.id === request.params.id);
    if (!item) throw new ApiError(404, ERROR_MESSAGES.NOT_FOUND);
    const connections = svc.connections();
    if (item.id.startsWith('server:mcp:')) {
      const serverId = item.id.slice('server:mcp:'.length);
      const c = connections.find((x, i) => connectionType(x) === 'mcp' && connectionId(x, i) === serverId)!;
      try {
        const session = await connectMcp(String(c.url ?? ''), { headers: await svc.authHeaders(c, user, 'none'), policy: svc.adminPolicy(), timeoutMs: svc.limits.specTimeoutSeconds * 1000 });
        try {
          return { ...item, specs: await session.tools() };
        } finally {
          await session.close();
        }
      } catch (err) {
        throw new ApiError(502, `Failed to connect to the tool server: ${describeError(err)}`);
      }
    }
    const idx = connections.findIndex((x, i) => connectionType(x) === 'openapi' && `server:${connectionId(x, i)}` === item.id);
    try {
      return { ...item, specs: (await svc.openapiServer(idx, user)).specs };
    } catch (err) {
      throw new ApiError(502, `Failed to connect to the tool server: ${describeError(err)}`);
    }
  });

  // Server tools have no valves (the original UI asks for them for every selected tool).
  for (const sub of ['valves', 'valves/spec', 'valves/user', 'valves/user/spec']) {
    app.get(`/api/v1/tools/id/:id/${sub}`, { ...verified, schema: { params: z.object({ id: z.string() }) } }, async () => null);
  }

  for (const path of ['/api/v1/tools/create', '/api/v1/tools/load/url', '/api/v1/functions/create', '/api/v1/functions/load/url']) {
    app.post(path, admin, async () => {
      throw new ApiError(400, PYTHON_UNSUPPORTED);
    });
  }

  app.get('/api/v1/functions/', verified, async () => []);
  app.get('/api/v1/functions/list', admin, async () => []);
  app.get('/api/v1/functions/export', admin, async () => []);

  // ---- admin settings

  app.get('/api/v1/configs/tool_servers', admin, async () => ({ TOOL_SERVER_CONNECTIONS: svc.connections() }));

  app.post('/api/v1/configs/tool_servers', { ...admin, schema: { body: ToolServersConfigForm } }, async (request) => {
    const list = request.body.TOOL_SERVER_CONNECTIONS.map((c) => ({ ...c }) as Json);
    for (const c of list) {
      let protocol = '';
      try {
        protocol = new URL(String(c.url)).protocol;
      } catch {
        /* reported below */
      }
      if (protocol !== 'http:' && protocol !== 'https:') throw new ApiError(400, `Invalid tool server URL: ${String(c.url)}`);
    }
    await ctx.settings.set({ TOOL_SERVER_CONNECTIONS: list });
    return { TOOL_SERVER_CONNECTIONS: svc.connections() };
  });

  app.post('/api/v1/configs/tool_servers/verify', { ...admin, schema: { body: ToolServerConnection } }, async (request) => {
    const user = currentUser(request);
    const c = request.body as Json;
    if (c.auth_type === 'oauth_2.1' || c.auth_type === 'system_oauth') throw new ApiError(400, 'OAuth authentication for tool servers is not supported by this server');
    if (connectionType(c) === 'mcp') {
      try {
        const session = await connectMcp(String(c.url), { headers: await svc.authHeaders(c, user, 'none'), policy: svc.adminPolicy(), timeoutMs: svc.limits.specTimeoutSeconds * 1000 });
        try {
          return { status: true, specs: await session.tools() };
        } finally {
          await session.close();
        }
      } catch (err) {
        request.log.info({ err: describeError(err) }, 'MCP tool server verification failed');
        throw new ApiError(400, `Failed to create MCP client: ${describeError(err)}`);
      }
    }
    try {
      const path = typeof c.path === 'string' && c.path ? c.path : 'openapi.json';
      return await svc.fetchSpec(toolServerUrl(String(c.url), path), await svc.authHeaders(c, user, 'bearer'), svc.adminPolicy());
    } catch (err) {
      throw new ApiError(400, `Failed to connect to the tool server: ${describeError(err)}`);
    }
  });
}

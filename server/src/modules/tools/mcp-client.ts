import type { ToolSpec } from '@owui/contracts';
import { createSafeFetch, type SafeFetchPolicy } from '../../net/safe-fetch.js';
import { VERSION } from '../../version.js';

/**
 * MCP over streamable HTTP with the official SDK client. Every request of the transport goes through the
 * guarded fetch, so an MCP server URL obeys the same address rules as any other outbound URL.
 */
export interface McpSession {
  tools(): Promise<ToolSpec[]>;
  /** The tool's content items (text/image/...), or throws with the server's error content. */
  call(name: string, args: Record<string, unknown>, timeoutMs: number): Promise<unknown[]>;
  close(): Promise<void>;
}

export async function connectMcp(
  url: string,
  opts: { headers?: Record<string, string>; policy: SafeFetchPolicy; timeoutMs: number },
): Promise<McpSession> {
  // Loaded on first use: the SDK (and its JSON-schema validator) stays out of the server's start-up.
  const [{ Client }, { StreamableHTTPClientTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
  ]);
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: opts.headers ?? {} },
    fetch: createSafeFetch(opts.policy),
  });
  const client = new Client({ name: 'open-webui-ts', version: VERSION });
  const connecting = client.connect(transport, { timeout: opts.timeoutMs });
  try {
    await connecting;
  } catch (err) {
    await client.close().catch(() => {});
    throw err;
  }
  return {
    async tools() {
      const out: ToolSpec[] = [];
      let cursor: string | undefined;
      // Pages bounded: a server that keeps handing out cursors must not keep us here.
      for (let page = 0; page < 20; page++) {
        const res = await client.listTools(cursor ? { cursor } : {}, { timeout: opts.timeoutMs });
        for (const t of res.tools) out.push({ name: t.name, description: t.description ?? '', parameters: t.inputSchema as Record<string, unknown> });
        cursor = res.nextCursor;
        if (!cursor) break;
      }
      return out;
    },
    async call(name, args, timeoutMs) {
      const res = await client.callTool({ name, arguments: args }, undefined, { timeout: timeoutMs });
      const content = Array.isArray(res.content) ? (res.content as unknown[]) : [];
      if (res.isError) throw new Error(JSON.stringify(content));
      return content;
    },
    async close() {
      await transport.terminateSession().catch(() => {});
      await client.close().catch(() => {});
    },
  };
}

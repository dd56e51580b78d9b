import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './env.js';

describe('tool server environment', () => {
  it('has the original defaults', () => {
    const c = loadConfig({ WEBUI_SECRET_KEY: 'x' }).tools;
    expect(c).toMatchObject({ connections: [], specTimeoutSeconds: 10, verifyTls: true, maxToolRounds: 30, allowLocalDirectServers: false });
  });

  it('reads TOOL_SERVER_CONNECTIONS as a JSON list and refuses anything else by name', () => {
    const list = [{ url: 'http://t:8000', path: 'openapi.json', config: { enable: true } }];
    expect(loadConfig({ TOOL_SERVER_CONNECTIONS: JSON.stringify(list) }).tools.connections).toEqual(list);
    for (const bad of ['{"url":1}', 'not json', '[1]']) {
      expect(() => loadConfig({ TOOL_SERVER_CONNECTIONS: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ TOOL_SERVER_CONNECTIONS: bad })).toThrow(/TOOL_SERVER_CONNECTIONS/);
    }
    expect(() => loadConfig({ TOOL_SERVER_CALL_TIMEOUT: '-1' })).toThrow(/TOOL_SERVER_CALL_TIMEOUT/);
    expect(() => loadConfig({ ENABLE_LOCAL_DIRECT_TOOL_SERVERS: 'maybe' })).toThrow(/ENABLE_LOCAL_DIRECT_TOOL_SERVERS/);
  });
});

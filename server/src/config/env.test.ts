import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './env.js';

describe('loadConfig', () => {
  it('applies the original defaults when nothing is set', () => {
    const c = loadConfig({}, '/srv');
    expect(c.server).toMatchObject({ host: '0.0.0.0', port: 8080 });
    expect(c.paths.dataDir).toBe('/srv/data');
    expect(c.database).toMatchObject({ dialect: 'sqlite', url: 'sqlite:////srv/data/webui.db' });
    expect(c.ollama.baseUrls).toEqual(['http://localhost:11434']);
    expect(c.openai.baseUrls).toEqual(['https://api.openai.com/v1']);
    expect(c.openai.keys).toEqual(['']);
    expect(c.auth).toMatchObject({ enabled: true, enableSignup: true, defaultUserRole: 'pending', jwtExpiresIn: '4w', enableApiKeys: false });
    expect(c.timeouts).toMatchObject({ clientSeconds: 300, modelListSeconds: 10 });
    expect(c.cors.allowOrigin).toEqual(['*']);
    expect(c.log.level).toBe('info');
    expect(c.persistentConfig).toEqual({ enabled: true, resetOnStart: false });
    expect(c.webui.name).toBe('Open WebUI');
  });

  it('reads the original variable names and formats', () => {
    const c = loadConfig(
      {
        PORT: '3000',
        DATA_DIR: 'state',
        DATABASE_URL: 'postgres://u:p@db:5432/owui',
        OLLAMA_BASE_URLS: 'http://a:11434/; http://b:11434',
        OPENAI_API_BASE_URLS: 'https://x/v1;;',
        OPENAI_API_KEYS: 'k1',
        ENABLE_SIGNUP: 'False',
        DEFAULT_USER_ROLE: 'user',
        JWT_EXPIRES_IN: '1h30m',
        GLOBAL_LOG_LEVEL: 'WARNING',
        AIOHTTP_CLIENT_TIMEOUT: '',
        AIOHTTP_CLIENT_TIMEOUT_MODEL_LIST: '3',
        WEBUI_NAME: 'Acme',
        CORS_ALLOW_ORIGIN: 'https://a.example;https://b.example',
        RESET_CONFIG_ON_START: 'true',
      },
      '/srv',
    );
    expect(c.server.port).toBe(3000);
    expect(c.paths.dataDir).toBe(path.resolve('/srv', 'state'));
    expect(c.database).toMatchObject({ dialect: 'postgres', url: 'postgresql://u:p@db:5432/owui' });
    expect(c.ollama.baseUrls).toEqual(['http://a:11434', 'http://b:11434']);
    // A blank entry means "the default OpenAI URL"; keys align with URLs by index.
    expect(c.openai.baseUrls).toEqual(['https://x/v1', 'https://api.openai.com/v1', 'https://api.openai.com/v1']);
    expect(c.openai.keys).toEqual(['k1', '', '']);
    expect(c.auth.enableSignup).toBe(false);
    expect(c.auth.defaultUserRole).toBe('user');
    expect(c.log.level).toBe('warn');
    expect(c.timeouts.clientSeconds).toBeNull();
    expect(c.timeouts.modelListSeconds).toBe(3);
    expect(c.webui.name).toBe('Acme (Open WebUI)');
    expect(c.cors.allowOrigin).toEqual(['https://a.example', 'https://b.example']);
    expect(c.persistentConfig.resetOnStart).toBe(true);
  });

  it('forces sign-up off in single-user mode', () => {
    expect(loadConfig({ WEBUI_AUTH: 'false', ENABLE_SIGNUP: 'true' }).auth.enableSignup).toBe(false);
  });

  it('takes a URL without a scheme (localhost:11434) as http:// and warns once', () => {
    const c = loadConfig({ OLLAMA_BASE_URL: 'localhost:11434' });
    expect(c.ollama.baseUrls).toEqual(['http://localhost:11434']);
    expect(c.warnings).toEqual(["OLLAMA_BASE_URL: 'localhost:11434' has no scheme; using 'http://localhost:11434'. Write the full URL to silence this warning."]);
    expect(loadConfig({}).warnings).toEqual([]);
  });

  it.each([
    ['PORT', 'eighty', /PORT: 'eighty'. Accepted: a whole number from 0 to 65535/],
    ['PORT', '70000', /PORT/],
    ['ENABLE_SIGNUP', 'maybe', /ENABLE_SIGNUP: 'maybe'. Accepted: true or false/],
    ['DEFAULT_USER_ROLE', 'root', /DEFAULT_USER_ROLE: 'root'. Accepted: pending, user, admin/],
    ['JWT_EXPIRES_IN', '4 weeks', /JWT_EXPIRES_IN/],
    ['GLOBAL_LOG_LEVEL', 'LOUD', /GLOBAL_LOG_LEVEL/],
    ['OLLAMA_BASE_URL', 'ftp://localhost:11434', /^Invalid value for OLLAMA_BASE_URL: 'ftp:\/\/localhost:11434'. Accepted: an http:\/\/ or https:\/\/ URL, e\.g\. http:\/\/localhost:11434\.$/],
    ['OLLAMA_BASE_URLS', 'http://a:1;nope', /OLLAMA_BASE_URLS: 'nope'. Accepted: http:\/\/ or https:\/\/ URLs separated by ";"/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL/],
    ['AIOHTTP_CLIENT_TIMEOUT', '-5', /AIOHTTP_CLIENT_TIMEOUT/],
    ['WEBSOCKET_MANAGER', 'memcached', /WEBSOCKET_MANAGER/],
  ])('rejects %s=%s with one clear line', (name, value, message) => {
    let err: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(message);
    expect((err as ConfigError).message).not.toContain('\n');
  });
});

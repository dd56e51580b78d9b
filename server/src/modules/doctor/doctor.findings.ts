import type { DoctorFinding } from '@owui/contracts';

/**
 * Every diagnosis the doctor can make, with the change that fixes it. Kept in one table so the CLI, the
 * admin API and docs/troubleshooting.md use the same words.
 */
type Make = (p: Record<string, string>) => DoctorFinding;

const f =
  (code: string, severity: DoctorFinding['severity'], message: (p: Record<string, string>) => string, fix: (p: Record<string, string>) => string): Make =>
  (p) => ({ code, severity, message: message(p), fix: fix(p) });

export const FINDINGS = {
  INVALID_URL: f('INVALID_URL', 'error', (p) => `'${p.url}' is not a valid http(s) URL.`, () => 'Use a full URL such as http://host.docker.internal:11434 or https://api.openai.com/v1.'),
  DNS_FAILED: f(
    'DNS_FAILED',
    'error',
    (p) => `The host name '${p.host}' does not resolve (${p.code}).`,
    (p) =>
      p.host === 'host.docker.internal'
        ? 'On Linux, start the container with --add-host=host.docker.internal:host-gateway (Docker Desktop adds it for you).'
        : 'Check the spelling. Inside Docker Compose use the service name (e.g. http://ollama:11434); from a container, the host machine is host.docker.internal.',
  ),
  LOOPBACK_IN_CONTAINER: (p) => ({
    code: 'LOOPBACK_IN_CONTAINER',
    // 'error' when the host answers on that port (certainly the mistake), 'info' when it is only a possibility.
    severity: p.severity === 'error' ? 'error' : 'info',
    message:
      p.severity === 'error'
        ? `Open WebUI runs in a container, so ${p.host} is the container itself; ${p.service} answers on the host (${p.alias}:${p.port}) instead.`
        : `Open WebUI runs in a container, so ${p.host} is the container itself. If ${p.service} runs on the host machine rather than in this container, this address cannot reach it.`,
    fix: `Use http://host.docker.internal:${p.port} and start the container with --add-host=host.docker.internal:host-gateway, or run it with --network=host (then the UI is on port 8080).`,
  }),
  CONNECTION_REFUSED: f(
    'CONNECTION_REFUSED',
    'error',
    (p) => `Nothing listens on ${p.host}:${p.port}${p.service === 'Ollama' ? ' — is Ollama running?' : '.'}`,
    (p) =>
      p.service === 'Ollama'
        ? `Start Ollama (\`ollama serve\`, the Ollama app, or \`systemctl start ollama\`) and check that it is listening on port ${p.port} (${p.port === '11434' ? '' : 'its default is 11434; '}to reach it from another machine or container set OLLAMA_HOST=0.0.0.0 for the Ollama service).`
        : `Check that ${p.service} is running and listening on port ${p.port}.`,
  ),
  TIMEOUT: f(
    'TIMEOUT',
    'error',
    (p) => `No answer from ${p.host}:${p.port} within ${p.seconds} s (${p.stage}).`,
    () => 'A firewall or security group is probably dropping the traffic, or the address is wrong. Try curl from the machine running Open WebUI.',
  ),
  UNREACHABLE: f('UNREACHABLE', 'error', (p) => `The network cannot reach ${p.host} (${p.code}).`, () => 'Check routing, VPN and firewall between Open WebUI and this server.'),
  TLS_ERROR: f(
    'TLS_ERROR',
    'error',
    (p) => `TLS handshake with ${p.host} failed: ${p.reason}.`,
    (p) =>
      p.plain === 'yes'
        ? 'The server speaks plain HTTP on this port: use http:// instead of https://.'
        : 'Use a certificate from a trusted CA, or add your CA with NODE_EXTRA_CA_CERTS=/path/ca.pem; AIOHTTP_CLIENT_SESSION_SSL=false turns verification off (not recommended).',
  ),
  HTTPS_REQUIRED: f('HTTPS_REQUIRED', 'error', () => 'The server expects HTTPS on this port but the URL uses http://.', () => 'Change the URL to https://.'),
  NOT_OLLAMA: f(
    'NOT_OLLAMA',
    'error',
    (p) => `Something answers on ${p.host}:${p.port}, but it is not Ollama (${p.seen}).`,
    () => 'Point the connection at the Ollama port (11434 by default). Port 8080/3000 is usually Open WebUI itself.',
  ),
  OLLAMA_URL_HAS_PATH: f(
    'OLLAMA_URL_HAS_PATH',
    'error',
    (p) => `Ollama URLs are the bare server address; '${p.path}' at the end makes every call miss (…${p.path}/api/chat).`,
    (p) => `Use ${p.suggested} as the Ollama URL. Ollama's OpenAI-compatible /v1 endpoint belongs in an OpenAI connection instead.`,
  ),
  MISSING_V1: f(
    'MISSING_V1',
    'error',
    (p) => `${p.url}/models is not found, but ${p.url}/v1/models answers: the URL lacks /v1.`,
    (p) => `Set the connection URL to ${p.url}/v1 (OPENAI_API_BASE_URLS entries must end with the API version path).`,
  ),
  NOT_OPENAI: f(
    'NOT_OPENAI',
    'error',
    (p) => `${p.url}/models did not return an OpenAI-style model list (${p.seen}).`,
    () => 'Check the base URL in the provider documentation; it usually ends in /v1 (e.g. https://api.openai.com/v1, http://host:11434/v1).',
  ),
  KEY_MISSING: f('KEY_MISSING', 'error', (p) => `The server requires an API key (HTTP ${p.status}) and none is configured.`, () => 'Add the key for this connection (OPENAI_API_KEYS is aligned with OPENAI_API_BASE_URLS by position).'),
  KEY_REFUSED: f(
    'KEY_REFUSED',
    'error',
    (p) => `The server refused the API key (HTTP ${p.status}${p.reason ? `: ${p.reason}` : ''}).`,
    () => 'Check the key and that it belongs to this provider; with several connections, OPENAI_API_KEYS must list keys in the same order as OPENAI_API_BASE_URLS.',
  ),
  HTTP_ERROR: f('HTTP_ERROR', 'error', (p) => `${p.what} answered HTTP ${p.status}.`, () => 'Look at the upstream server log for the cause.'),
  NO_MODELS: f('NO_MODELS', 'warning', () => 'The connection works but offers no models.', (p) => (p.service === 'Ollama' ? 'Pull one, e.g. `ollama pull llama3.2`.' : 'Check the account or the provider configuration.')),
  SLOW: f('SLOW', 'warning', (p) => `The model list took ${p.ms} ms.`, () => 'Model lists are fetched often; a slow server delays the UI. Check the network path or server load.'),
  NOT_CONFIGURED: f(
    'NOT_CONFIGURED',
    'info',
    () => 'The default OpenAI connection has no API key, so it is not in use (skipped).',
    () => 'To use OpenAI, set OPENAI_API_KEY (or add the key under Admin Settings > Connections); to hide this connection, set ENABLE_OPENAI_API=false.',
  ),
  DISABLED: f('DISABLED', 'info', () => 'This connection is disabled in its settings.', () => 'Enable it under Admin Settings > Connections if it should be used.'),
} satisfies Record<string, Make>;

import fs from 'node:fs';

/**
 * Whether this process runs inside a container: then 127.0.0.1 means the container itself, not the host
 * where Ollama usually runs — the most common connection mistake.
 */
export function detectContainer(root = '/'): boolean {
  const at = (p: string) => root.replace(/\/$/, '') + p;
  if (fs.existsSync(at('/.dockerenv')) || fs.existsSync(at('/run/.containerenv'))) return true;
  try {
    return /docker|kubepods|containerd|lxc|libpod/.test(fs.readFileSync(at('/proc/1/cgroup'), 'utf8'));
  } catch {
    return false;
  }
}

export const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '0.0.0.0']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase()) || /^127\./.test(hostname) || hostname.endsWith('.localhost');
}

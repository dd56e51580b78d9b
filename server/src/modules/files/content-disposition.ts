/**
 * A Content-Disposition that any browser reads right and no filename can break: an ASCII fallback with
 * quotes and control characters removed, plus the exact name in RFC 5987 `filename*`.
 */
export function contentDisposition(filename: string, attachment: boolean): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_') || 'file';
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${attachment ? 'attachment' : 'inline'}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** Types a browser would execute or render as a document if served inline from our origin. */
export function isActiveContent(type: string): boolean {
  const t = type.toLowerCase().split(';')[0]!.trim();
  return t === 'text/html' || t === 'application/xhtml+xml' || t === 'image/svg+xml' || t.endsWith('/xml') || t.endsWith('+xml') || t === 'application/javascript' || t === 'text/javascript';
}

/** A stored content type if it is a plain `type/subtype` (optionally with parameters), else a safe default. */
export function safeContentType(type: unknown): string {
  const t = typeof type === 'string' ? type.trim() : '';
  return /^[\w.+-]+\/[\w.+-]+(\s*;\s*[\w.+-]+=("[^"\r\n]*"|[\w.+-]+))*$/.test(t) ? t : 'application/octet-stream';
}

/**
 * Glob match (`*` any run, `?` one character), case-insensitive, in O(name × pattern) without regular
 * expressions, so no pattern a user types can make the match backtrack for long.
 */
export function globMatch(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase();
  const n = name.toLowerCase();
  let pi = 0;
  let ni = 0;
  let star = -1;
  let mark = 0;
  while (ni < n.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === n[ni])) {
      pi++;
      ni++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = ni;
    } else if (star >= 0) {
      pi = star + 1;
      ni = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

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

/**
 * Where to go after signing in: the `redirect` parameter when it is a path of this app, else `/`.
 * `//evil.example` or `https://…` would send a fresh session to another site (open redirect).
 */
export function safeRedirect(raw: string | null): string {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/';
  return raw;
}

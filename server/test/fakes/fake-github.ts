/**
 * A scripted GitHub OAuth app endpoint set, speaking GitHub's wire format: the authorize redirect,
 * POST /login/oauth/access_token (HTTP Basic client auth, JSON when asked, and GitHub's quirk of
 * answering 200 with an `error` body for a bad code), GET /user (numeric `id`, `email` null when the
 * address is private) and GET /user/emails (the primary address flagged).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGithub {
  url: string;
  endpoints: { authorization: string; token: string; userinfo: string; emails: string };
  /** Codes handed out and not yet redeemed. */
  codes: Map<string, string>;
  close(): Promise<void>;
}

export async function startFakeGithub(opts: { clientId: string; clientSecret: string; user: Record<string, unknown>; emails: Array<{ email: string; primary: boolean; verified: boolean }> }): Promise<FakeGithub> {
  const codes = new Map<string, string>();
  const tokens = new Set<string>();
  let n = 0;
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      const code = `code-${++n}`;
      codes.set(code, url.searchParams.get('redirect_uri') ?? '');
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
        const [id, secret] = basic.split(':').map(decodeURIComponent);
        if (id !== opts.clientId || secret !== opts.clientSecret) {
          return json(res, 200, { error: 'incorrect_client_credentials', error_description: 'The client_id and/or client_secret passed are incorrect.' });
        }
        const code = form.get('code') ?? '';
        if (!codes.has(code) || codes.get(code) !== form.get('redirect_uri')) {
          return json(res, 200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
        }
        codes.delete(code);
        const token = `gho_${n}${Date.now()}`;
        tokens.add(token);
        json(res, 200, { access_token: token, token_type: 'bearer', scope: 'user:email' });
      });
      return;
    }
    const auth = (req.headers.authorization ?? '').replace(/^(Bearer|token) /i, '');
    if (!tokens.has(auth)) return json(res, 401, { message: 'Bad credentials' });
    if (url.pathname === '/user') return json(res, 200, opts.user);
    if (url.pathname === '/user/emails') return json(res, 200, opts.emails);
    json(res, 404, { message: 'Not Found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    endpoints: { authorization: `${url}/login/oauth/authorize`, token: `${url}/login/oauth/access_token`, userinfo: `${url}/user`, emails: `${url}/user/emails` },
    codes,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

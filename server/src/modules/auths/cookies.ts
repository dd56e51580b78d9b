import type { FastifyReply } from 'fastify';
import type { Config } from '../../config/env.js';

/** The httponly `token` cookie the browser UI relies on; it lives exactly as long as the token. */
export function setTokenCookie(reply: FastifyReply, cfg: Config['auth']['cookie'], token: string, exp: number | null | undefined): void {
  reply.setCookie('token', token, {
    path: '/',
    httpOnly: true,
    sameSite: cfg.sameSite,
    // Behind a trusted TLS proxy (X-Forwarded-Proto: https from FORWARDED_ALLOW_IPS) the browser sees
    // https, so the cookie must not travel over plain http either.
    secure: cfg.secure || reply.request.protocol === 'https',
    ...(exp ? { expires: new Date(exp * 1000) } : {}),
  });
}

export function clearAuthCookies(reply: FastifyReply): void {
  for (const name of ['token', 'oauth_id_token', 'oauth_session_id']) reply.clearCookie(name, { path: '/' });
}

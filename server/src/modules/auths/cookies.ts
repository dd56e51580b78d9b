import type { FastifyReply } from 'fastify';
import type { Config } from '../../config/env.js';

/** The httponly `token` cookie the browser UI relies on; it lives exactly as long as the token. */
export function setTokenCookie(reply: FastifyReply, cfg: Config['auth']['cookie'], token: string, exp: number | null | undefined): void {
  reply.setCookie('token', token, {
    path: '/',
    httpOnly: true,
    sameSite: cfg.sameSite,
    secure: cfg.secure,
    ...(exp ? { expires: new Date(exp * 1000) } : {}),
  });
}

export function clearAuthCookies(reply: FastifyReply): void {
  for (const name of ['token', 'oauth_id_token', 'oauth_session_id']) reply.clearCookie(name, { path: '/' });
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { perContext, type AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import type { ZodTypeProvider } from '../../plugins/zod.js';
import { classify, OAuthFlowError } from './oauth.client.js';
import { FLOW_COOKIE, FLOW_TTL_SECONDS, FlowCookie } from './oauth.flow-cookie.js';
import { OAuthService } from './oauth.service.js';

const Params = z.object({ provider: z.string().max(64) });
const STATE_MISMATCH = 'The sign-in request expired or does not match this browser. Please start the sign-in again.';
const STATE_REPLAYED = 'This sign-in response was already used. Please start the sign-in again.';

/**
 * `/oauth/{provider}/login` sends the browser to the IdP; `/oauth/{provider}/login/callback` (and the
 * legacy `/oauth/{provider}/callback`) finish it: the answer is checked (state, PKCE, nonce, ID token),
 * the account found or made, and the browser sent to `/auth` with the session in the `token` cookie,
 * which the UI reads, as the original's UI expects. Any failure lands on `/auth?error=<message>`
 * without a session.
 */
export async function oauthRoutes(root: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const svc = perContext(ctx, OAuthService);
  const flows = new FlowCookie(ctx.secretKey);
  const { cookie } = ctx.config.auth;
  const o = ctx.config.sso.oauth;

  const origin = (req: FastifyRequest) => `${req.protocol}://${req.host}`;
  const appBase = (req: FastifyRequest) => (ctx.settings.get('WEBUI_URL') || origin(req)).replace(/\/+$/, '');
  const provider = (id: string) => {
    const p = svc.providers.get(id);
    if (!p) throw new ApiError(404, 'Not Found');
    return p;
  };
  const fail = (req: FastifyRequest, reply: FastifyReply, err: unknown) => {
    const flowErr = err instanceof ApiError ? null : classify(err);
    const message = err instanceof ApiError ? String(err.detail) : flowErr!.message;
    req.log.warn({ kind: flowErr?.kind ?? 'rejected', detail: message }, 'oauth sign-in failed');
    return reply.redirect(`${appBase(req)}/auth?error=${encodeURIComponent(message)}`, 302);
  };

  app.get('/oauth/:provider/login', { config: { auth: 'public' }, schema: { params: Params } }, async (req, reply) => {
    const p = provider(req.params.provider);
    const redirectUri = p.redirectUri || `${origin(req)}/oauth/${p.id}/callback`;
    let auth;
    try {
      auth = await svc.client.authorizationRequest(p, redirectUri);
    } catch (err) {
      return fail(req, reply, err);
    }
    const sealed = await flows.seal({ provider: p.id, state: auth.state, nonce: auth.nonce, codeVerifier: auth.codeVerifier, redirectUri });
    // SameSite=Lax (not the session cookie's setting): the IdP's redirect back is a cross-site top-level GET.
    reply.setCookie(FLOW_COOKIE, sealed, { path: '/oauth', httpOnly: true, sameSite: 'lax', secure: cookie.secure, maxAge: FLOW_TTL_SECONDS });
    return reply.redirect(auth.url, 302);
  });

  const callback = async (req: FastifyRequest<{ Params: { provider: string }; Querystring: Record<string, string | string[]> }>, reply: FastifyReply) => {
    const p = provider(req.params.provider);
    const flow = await flows.open(req.cookies[FLOW_COOKIE]);
    reply.clearCookie(FLOW_COOKIE, { path: '/oauth' });
    try {
      const query = new URLSearchParams();
      for (const [k, v] of Object.entries(req.query ?? {})) for (const one of [v].flat()) query.append(k, String(one));
      if (!flow || flow.provider !== p.id || query.get('state') !== flow.state) throw new OAuthFlowError('invalid', STATE_MISMATCH);
      // One use per state on every instance: a replayed callback stops here even before the IdP says no.
      if ((await ctx.state.incr(`oauth:state:${flow.state}`, FLOW_TTL_SECONDS)) > 1) throw new OAuthFlowError('invalid', STATE_REPLAYED);
      const callbackUrl = new URL(flow.redirectUri);
      callbackUrl.search = query.toString();
      const tokens = await svc.client.exchangeCode(p, callbackUrl, flow);
      const data = await svc.userData(p, tokens);
      const user = await svc.signIn(p, tokens, data);

      const { token, claims } = await svc.auths.issueToken(user.id);
      // The original's UI reads this cookie from JavaScript on /auth, so it cannot be httponly.
      reply.setCookie('token', token, { path: '/', httpOnly: false, sameSite: cookie.sameSite, secure: cookie.secure, ...(claims.exp ? { expires: new Date(claims.exp * 1000) } : {}) });
      if (o.enableIdTokenCookie && tokens.idToken) {
        reply.setCookie('oauth_id_token', tokens.idToken, { path: '/', httpOnly: true, sameSite: cookie.sameSite, secure: cookie.secure });
      }
      const now = Math.floor(Date.now() / 1000);
      const sessionId = await svc.repo.saveSession(user.id, p.id, { ...tokens.raw, issued_at: now }, now + (tokens.expiresIn ?? 3600));
      reply.setCookie('oauth_session_id', sessionId, { path: '/', httpOnly: true, sameSite: cookie.sameSite, secure: cookie.secure });
      return reply.redirect(`${appBase(req)}/auth`, 302);
    } catch (err) {
      if (!(err instanceof ApiError) && !(err instanceof OAuthFlowError)) req.log.error({ err }, 'oauth callback error');
      return fail(req, reply, err instanceof ApiError || err instanceof OAuthFlowError ? err : new OAuthFlowError('invalid', ERROR_MESSAGES.DEFAULT('Error during OAuth process')));
    }
  };
  const cbOpts = { config: { auth: 'public' as const }, schema: { params: Params, querystring: z.record(z.string(), z.union([z.string().max(8192), z.array(z.string().max(8192)).max(4)])) } };
  app.get('/oauth/:provider/login/callback', cbOpts, callback);
  app.get('/oauth/:provider/callback', cbOpts, callback);
}

/** Sign-out at the IdP: the end-session URL for the browser, or null (never throws: local sign-out wins). */
export async function providerSignoutUrl(ctx: AppContext, sessionId: string | undefined): Promise<string | null> {
  try {
    return await perContext(ctx, OAuthService).providerSignoutUrl(sessionId);
  } catch (err) {
    ctx.log.warn({ err }, 'could not build the identity provider sign-out URL');
    return null;
  }
}

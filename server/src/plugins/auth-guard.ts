import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { UserModel } from '@owui/contracts';
import { ApiError } from '../errors/api-error.js';
import { ERROR_MESSAGES } from '../errors/messages.js';

/**
 * Who may call a route. Every route states one in `config.auth`; registering a route without it is a
 * start-up error, so a new endpoint cannot be exposed by forgetting its guard.
 * - public: anyone; any: a valid token of any role (pending included); verified: user or admin; admin.
 */
export type AuthLevel = 'public' | 'any' | 'verified' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthLevel;
  }
  interface FastifyInstance {
    /** Every route with its declared auth level, in registration order. */
    routeTable: readonly RouteGuardEntry[];
  }
  interface FastifyRequest {
    user: UserModel | null;
    /** How the caller proved who they are. */
    authVia: 'jwt' | 'api_key' | null;
  }
}

export interface Authenticator {
  /** Resolves the caller or throws a 401/403 ApiError. */
  authenticate(request: FastifyRequest): Promise<{ user: UserModel; via: 'jwt' | 'api_key' }>;
}

/** One registered route and the guard it declared; the route-guard test walks these. */
export interface RouteGuardEntry {
  method: string;
  url: string;
  auth: AuthLevel;
}

export function registerAuthGuard(app: FastifyInstance, authenticator: Authenticator): void {
  app.decorateRequest('user', null);
  app.decorateRequest('authVia', null);
  const table: RouteGuardEntry[] = [];
  app.decorate('routeTable', table);

  const guard = async (request: FastifyRequest, level: AuthLevel) => {
    const { user, via } = await authenticator.authenticate(request);
    request.user = user;
    request.authVia = via;
    if (level === 'verified' && user.role !== 'user' && user.role !== 'admin') {
      throw new ApiError(401, ERROR_MESSAGES.ACCESS_PROHIBITED);
    }
    if (level === 'admin' && user.role !== 'admin') throw new ApiError(401, ERROR_MESSAGES.ACCESS_PROHIBITED);
  };

  app.addHook('onRoute', (route) => {
    const level = (route.config as { auth?: AuthLevel } | undefined)?.auth;
    if (!level) {
      throw new Error(`Route ${String(route.method)} ${route.url} declares no auth level (config.auth: public | any | verified | admin)`);
    }
    for (const method of [route.method].flat()) table.push({ method: String(method), url: route.url, auth: level });
    // The guard is a hook of each guarded route (after every app-wide onRequest hook, as before), so a
    // public route runs none and a guarded one needs no per-request lookup of its level (Fastify's
    // routeOptions getter builds an object on every read).
    if (level === 'public') return;
    const hook = (request: FastifyRequest, _reply: unknown, done: (err?: Error) => void) => {
      guard(request, level).then(() => done(), done);
    };
    // onRequest, before the body is read: an anonymous caller cannot make us parse a large upload.
    route.onRequest = [...[route.onRequest ?? []].flat(), hook] as typeof route.onRequest;
  });
}

/** The signed-in caller of a guarded route (the guard guarantees it is set). */
export function currentUser(request: FastifyRequest): UserModel {
  if (!request.user) throw new ApiError(401, ERROR_MESSAGES.NOT_AUTHENTICATED);
  return request.user;
}

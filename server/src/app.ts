import fastifyCookie from '@fastify/cookie';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import type { AppContext } from './context.js';
import { authsRoutes } from './modules/auths/auths.routes.js';
import { DbRevocationCheck } from './modules/auths/revocations.js';
import { SessionAuthenticator } from './modules/auths/session.js';
import { chatsRoutes } from './modules/chats/chats.routes.js';
import { appConfigRoutes } from './modules/configs/app-config.routes.js';
import { doctorRoutes } from './modules/doctor/doctor.routes.js';
import { healthRoutes } from './modules/health/health.routes.js';
import { ollamaRoutes } from './modules/ollama/ollama.routes.js';
import { tasksRoutes } from './modules/tasks/tasks.routes.js';
import { openaiRoutes } from './modules/openai/openai.routes.js';
import { modelsRoutes } from './modules/models/models.routes.js';
import { completionsRoutes } from './modules/completions/completions.routes.js';
import { usersRoutes } from './modules/users/users.routes.js';
// --- workspace
import { modelRecordsRoutes } from './modules/models/model-records.routes.js';
import { groupsRoutes } from './modules/groups/groups.routes.js';
import { promptsRoutes } from './modules/prompts/prompts.routes.js';
import { modelsConfigRoutes } from './modules/configs/models-config.routes.js';
// --- end workspace
import { toolsRoutes } from './modules/tools/tools.routes.js';
import { ssoRoutes } from './modules/sso/sso.routes.js';
import { filesRoutes } from './modules/files/files.routes.js';
import { audioRoutes } from './modules/audio/audio.routes.js';
import { imagesRoutes } from './modules/images/images.routes.js';
import { knowledgeRoutes } from './modules/knowledge/knowledge.routes.js';
import { retrievalRoutes } from './modules/retrieval/retrieval.routes.js';
import { registerAuthGuard } from './plugins/auth-guard.js';
import { registerEdge } from './plugins/edge.js';
import { registerErrorHandler } from './plugins/error-handler.js';
import { registerFrontend } from './plugins/frontend.js';
import { handleClientError } from './plugins/limits.js';
import { createLogger, registerRequestLog } from './plugins/logging.js';
import { useZod } from './plugins/zod.js';
import { schemaController } from './plugins/schema-compilers.js';
import { answerHeadWithGet } from './plugins/head-as-get.js';
import { attachRealtime } from './realtime/socket.js';
import { chatAppRoutes } from './modules/chat-app/chat-app.routes.js';
import { staticRoutes } from './modules/chat-app/static.routes.js';
import { adminCompatRoutes } from './modules/chat-app/admin-compat.routes.js';
import { foldersRoutes } from './modules/folders/folders.routes.js';
import { evaluationsRoutes } from './modules/evaluations/evaluations.routes.js';
import { memoriesRoutes } from './modules/memories/memories.routes.js';
import { taskModelRoutes } from './modules/tasks/task-model.routes.js';

export interface BuildOptions {
  /** Where log lines go (tests capture them); stdout by default. */
  logStream?: DestinationStream;
}

/**
 * Assembles the HTTP application from an already-opened context. No I/O of its own beyond reading
 * the frontend build directory, so tests build one per case cheaply.
 */
export async function buildApp(ctx: Omit<AppContext, 'log'>, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: createLogger(ctx.config, options.logStream),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ctx.config.limits.jsonBodyBytes,
    requestIdHeader: 'x-request-id',
    trustProxy: ctx.config.server.forwardedAllowIps === '*' ? true : ctx.config.server.forwardedAllowIps,
    // Streams can last far longer than any request timeout; idle sockets are still reaped.
    requestTimeout: 0,
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
    clientErrorHandler: handleClientError,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    schemaController,
    // HEAD is answered by the GET route (plugins/head-as-get.ts), not by a registered twin of each.
    exposeHeadRoutes: false,
  });
  answerHeadWithGet(app);
  const full: AppContext = { ...ctx, log: app.log };
  app.decorate('ctx', full);

  useZod(app);
  registerErrorHandler(app);
  registerRequestLog(app);
  await app.register(fastifyCookie);

  const auth = new SessionAuthenticator(full, new DbRevocationCheck(full.db));
  registerEdge(app, full);
  registerAuthGuard(app, auth);

  await healthRoutes(app, full);
  await appConfigRoutes(app, full, auth);
  await chatsRoutes(app, full);
  await ollamaRoutes(app, full);
  await openaiRoutes(app, full);
  await modelsRoutes(app, full);
  await completionsRoutes(app, full);
  await authsRoutes(app, full);
  await usersRoutes(app, full);
  // Single sign-on: /oauth/{provider}/..., /api/v1/auths/ldap and its admin settings.
  await ssoRoutes(app, full);
  await doctorRoutes(app, full);
  // --- workspace
  await modelRecordsRoutes(app, full);
  await groupsRoutes(app, full);
  await promptsRoutes(app, full);
  await modelsConfigRoutes(app, full);
  // --- end workspace
  await toolsRoutes(app, full); // tool servers, /api/v1/tools, /api/v1/functions (issue 19)
  // documents & retrieval
  await filesRoutes(app, full);
  await knowledgeRoutes(app, full);
  await retrievalRoutes(app, full);
  // audio (STT/TTS) and image generation (issue 20)
  await audioRoutes(app, full);
  await imagesRoutes(app, full);
  await tasksRoutes(app, full, await attachRealtime(app, full, auth));
  // ---- chat app: folders, banners/connections/webhook/usage, chat/completed, /static
  await foldersRoutes(app, full);
  await chatAppRoutes(app, full);
  await staticRoutes(app, full);
  await adminCompatRoutes(app, full);
  await evaluationsRoutes(app, full);
  await memoriesRoutes(app, full);
  await taskModelRoutes(app, full);
  await registerFrontend(app, ctx.config.paths.frontendBuildDir);

  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext;
  }
}

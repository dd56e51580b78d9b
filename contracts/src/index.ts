export * from './errors.ts';
export * from './auths.ts';
export * from './users.ts';
export * from './models.ts';
export * from './openai.ts';
export * from './chats.ts';
export * from './ollama.ts';
export * from './doctor.ts';
export * from './socket-events.ts';
export * from './workspace.ts';
export * from './tools.ts';
export * from './sso.ts';
export * from './retrieval.ts';
export * from './media.ts';
export * from './web-search.ts';
export * from './chat-app.ts';
// The schema behind a contract's lazy Proxy (lazy.ts), for code that holds a schema for every request.
export { real } from './lazy.ts';

export * from './errors.ts';
export * from './auths.ts';
export * from './users.ts';
export * from './chats.ts';
export * from './ollama.ts';
export * from './doctor.ts';
export * from './socket-events.ts';

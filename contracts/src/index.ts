export * from './errors.ts';
export * from './users.ts';
export * from './ollama.ts';

import { z } from 'zod';
import { lazy, real } from './lazy.ts';

/**
 * Socket.IO wire shapes, with Open WebUI's event names. The server listens on path `/ws/socket.io`;
 * clients pass the session JWT as `auth.token` in the handshake and again in `user-join`.
 */
export const SOCKET_PATH = '/ws/socket.io';

// ---- client -> server

export const UserJoinPayload = lazy(() => z.object({ auth: z.object({ token: z.string() }).optional() }));
export type UserJoinPayload = z.infer<typeof UserJoinPayload>;
/** Ack of `user-join`: who the socket now acts for. */
export const UserJoinAck = lazy(() => z.object({ id: z.string(), name: z.string() }));
export type UserJoinAck = z.infer<typeof UserJoinAck>;

export const UsagePayload = lazy(() => z.object({ model: z.string() }));
export type UsagePayload = z.infer<typeof UsagePayload>;

// ---- server -> client: the `events` envelope

export const CompletionUsage = lazy(() => z.record(z.string(), z.unknown()));

/** `chat:completion`: the state of a reply being generated; `content` is the whole text so far. */
export const ChatCompletionEventData = lazy(() => z.object({
  content: z.string().optional(),
  done: z.boolean().optional(),
  usage: real(CompletionUsage).optional(),
  error: z.object({ content: z.string() }).optional(),
  title: z.string().optional(),
  sources: z.array(z.unknown()).optional(),
}));
export type ChatCompletionEventData = z.infer<typeof ChatCompletionEventData>;

export const ChatEventData = lazy(() => z.discriminatedUnion('type', [
  z.object({ type: z.literal('chat:completion'), data: real(ChatCompletionEventData) }),
  z.object({ type: z.literal('chat:active'), data: z.object({ active: z.boolean() }) }),
  z.object({ type: z.literal('chat:message:delta'), data: z.object({ content: z.string() }) }),
  z.object({ type: z.literal('chat:message'), data: z.object({ content: z.string() }) }),
  z.object({ type: z.literal('chat:message:error'), data: z.object({ error: z.object({ content: z.string() }) }) }),
  z.object({ type: z.literal('chat:title'), data: z.string() }),
  z.object({ type: z.literal('chat:tags'), data: z.array(z.unknown()) }),
  z.object({ type: z.literal('chat:message:follow_ups'), data: z.object({ follow_ups: z.array(z.string()) }) }),
  z.object({ type: z.literal('chat:tasks:cancel'), data: z.object({}).passthrough() }),
  // Generated images of the reply (image generation step): [{type: 'image', url}].
  z.object({ type: z.literal('files'), data: z.object({ files: z.array(z.record(z.string(), z.unknown())) }) }),
  z.object({ type: z.literal('status'), data: z.object({ description: z.string().optional(), done: z.boolean().optional() }).passthrough() }),
]));
export type ChatEventData = z.infer<typeof ChatEventData>;

export const ChatEvent = lazy(() => z.object({
  chat_id: z.string(),
  message_id: z.string(),
  data: real(ChatEventData),
}));
export type ChatEvent = z.infer<typeof ChatEvent>;

/** Event names and payloads, for typing `socket.io` Server and client generics. */
export interface ServerToClientEvents {
  events: (event: ChatEvent) => void;
  /** The same envelope under the name Open WebUI's UI used up to 0.6.32. */
  'chat-events': (event: ChatEvent) => void;
  usage: (payload: { models: string[] }) => void;
  'user-list': (payload: { user_ids: string[] }) => void;
}
export interface ClientToServerEvents {
  'user-join': (payload: UserJoinPayload, ack?: (user: UserJoinAck | null) => void) => void;
  heartbeat: (payload?: unknown) => void;
  usage: (payload: UsagePayload) => void;
}

// ---- /api/tasks

export const TaskStartedResponse = lazy(() => z.object({ status: z.literal(true), task_id: z.string() }));
export type TaskStartedResponse = z.infer<typeof TaskStartedResponse>;
export const TaskListResponse = lazy(() => z.object({ tasks: z.array(z.string()) }));
export const ChatTaskIdsResponse = lazy(() => z.object({ task_ids: z.array(z.string()) }));
export const TaskStopResponse = lazy(() => z.object({ status: z.boolean(), message: z.string() }));

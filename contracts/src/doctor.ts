import { z } from 'zod';
import { lazy, real } from './lazy.ts';

/**
 * `open-webui doctor` and the admin API behind the connection page: what was probed, how each step went,
 * and for every problem found, what to change. Not part of the original's API (new endpoints).
 */
export const DoctorFinding = lazy(() => z.object({
  code: z.string(),
  severity: z.enum(['error', 'warning', 'info']),
  message: z.string(),
  fix: z.string(),
}));
export type DoctorFinding = z.infer<typeof DoctorFinding>;

export const DoctorStep = lazy(() => z.object({
  name: z.string(),
  ok: z.boolean(),
  ms: z.number(),
  detail: z.string(),
}));
export type DoctorStep = z.infer<typeof DoctorStep>;

export const ConnectionKind = lazy(() => z.enum(['ollama', 'openai']));
export type ConnectionKind = z.infer<typeof ConnectionKind>;

export const ConnectionReport = lazy(() => z.object({
  kind: real(ConnectionKind),
  url: z.string(),
  /** Index of the connection in OLLAMA_BASE_URLS / OPENAI_API_BASE_URLS, null for an ad-hoc probe. */
  idx: z.number().nullable(),
  ok: z.boolean(),
  version: z.string().nullable(),
  model_count: z.number().nullable(),
  latency_ms: z.number().nullable(),
  steps: z.array(real(DoctorStep)),
  findings: z.array(real(DoctorFinding)),
}));
export type ConnectionReport = z.infer<typeof ConnectionReport>;

export const DoctorReport = lazy(() => z.object({
  ok: z.boolean(),
  in_container: z.boolean(),
  connections: z.array(real(ConnectionReport)),
}));
export type DoctorReport = z.infer<typeof DoctorReport>;

/** POST /api/v1/doctor/probe: test a URL (and key) before saving it as a connection. */
export const DoctorProbeForm = lazy(() => z.object({
  kind: real(ConnectionKind),
  url: z.string().min(1).max(2048),
  key: z.string().max(4096).optional().default(''),
}));
export type DoctorProbeForm = z.infer<typeof DoctorProbeForm>;

/** What the server saw of a request: lets a client behind a proxy check forwarded headers. */
export const DoctorEcho = lazy(() => z.object({ client_ip: z.string(), scheme: z.string(), host: z.string() }));
export type DoctorEcho = z.infer<typeof DoctorEcho>;

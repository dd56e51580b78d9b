import { ApiError } from '../errors/api-error.js';
import { ERROR_MESSAGES } from '../errors/messages.js';
import { safeFetch, SafeFetchError, type SafeFetchInit, type SafeResponse } from './safe-fetch.js';

/**
 * Calls to an admin-configured engine (speech, transcription, image generation). The admin chose the
 * address, so private ones are allowed (a local Whisper or ComfyUI is the usual case); the call is still
 * bounded in time and size. Failures become a clear `{"detail"}`: no connection or a broken answer is a
 * 502, a timeout a 504; the engine's own 4xx passes through with its message.
 */
export interface EngineCall extends Omit<SafeFetchInit, 'allowPrivate'> {
  /** Engine name for messages, e.g. "ComfyUI". */
  engine: string;
  timeoutMs: number;
  /**
   * For a URL the engine handed back (an image link): private addresses are allowed only on the origin the
   * admin configured; anywhere else the SSRF guard applies.
   */
  trustedOrigin?: string;
}

export async function engineFetch(url: string, init: EngineCall): Promise<SafeResponse> {
  if (!/^https?:\/\//i.test(url)) throw new ApiError(400, `${init.engine}: no valid engine URL is configured`);
  try {
    const allowPrivate = init.trustedOrigin === undefined || sameOrigin(url, init.trustedOrigin);
    return await safeFetch(url, { maxBytes: 50 * 1024 * 1024, ...init, allowPrivate });
  } catch (err) {
    throw engineError(init.engine, err, init.timeoutMs);
  }
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

export function engineError(engine: string, err: unknown, timeoutMs: number): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof SafeFetchError && err.code === 'timeout') {
    return new ApiError(504, `${engine} did not answer within ${Math.round(timeoutMs / 1000)} s`);
  }
  if (err instanceof SafeFetchError && err.code === 'too_large') return new ApiError(502, `${engine}: the answer is too large`);
  const msg = err instanceof Error ? err.message : String(err);
  return new ApiError(502, `${ERROR_MESSAGES.SERVER_CONNECTION_ERROR} (${engine}: ${msg})`);
}

/** The engine's error text, from `{"error": {"message"}}`, `{"error": "..."}`, `{"detail"}` or the body. */
export function upstreamMessage(res: SafeResponse): string {
  try {
    const j = res.json() as Record<string, unknown>;
    const e = j?.error;
    if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
    if (typeof e === 'string') return e;
    if (typeof j?.detail === 'string') return j.detail;
    if (typeof j?.message === 'string') return j.message;
  } catch {
    /* not JSON */
  }
  return res.text().slice(0, 300) || `HTTP ${res.status}`;
}

/** An engine's non-2xx answer: its 4xx passes through, anything else is a 502 (never a bare 5xx). */
export function failedAnswer(engine: string, res: SafeResponse): ApiError {
  const status = res.status >= 400 && res.status < 500 ? res.status : 502;
  return new ApiError(status, `External: ${engine}: ${upstreamMessage(res)}`);
}

/** Parses a JSON answer or fails with a 502 that names the engine. */
export function jsonAnswer(engine: string, res: SafeResponse): Record<string, unknown> {
  try {
    const v = res.json();
    if (v && typeof v === 'object') return v as Record<string, unknown>;
  } catch {
    /* reported below */
  }
  throw new ApiError(502, `${engine} sent an answer that is not the expected JSON`);
}

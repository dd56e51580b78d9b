import { createHash } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';
import { z } from 'zod';

/**
 * What the login step must remember for the callback (provider, state, nonce, PKCE verifier, redirect
 * URI), kept in the browser as an encrypted, httponly cookie scoped to /oauth. No server memory: the
 * callback may land on another instance behind a load balancer. Replay of a callback is refused by
 * marking the state used in shared state (see oauth.routes.ts) and by the IdP, which accepts a code once.
 */
export const FLOW_COOKIE = 'oui-oauth-flow';
export const FLOW_TTL_SECONDS = 10 * 60;

const FlowState = z.object({
  provider: z.string(),
  state: z.string(),
  nonce: z.string().nullable(),
  codeVerifier: z.string().nullable(),
  redirectUri: z.string(),
});
export type FlowState = z.infer<typeof FlowState>;

export class FlowCookie {
  readonly #key: Uint8Array;

  constructor(secretKey: string) {
    // A key of its own, derived from WEBUI_SECRET_KEY, so this cookie can never pass as a session token.
    this.#key = createHash('sha256').update(`oauth-flow:${secretKey}`).digest();
  }

  seal(flow: FlowState): Promise<string> {
    return new EncryptJWT({ ...flow })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setIssuedAt()
      .setExpirationTime(`${FLOW_TTL_SECONDS}s`)
      .encrypt(this.#key);
  }

  /** The flow state, or null when the cookie is missing, forged, tampered with or expired. */
  async open(value: string | undefined): Promise<FlowState | null> {
    if (!value || value.length > 8192) return null;
    try {
      const { payload } = await jwtDecrypt(value, this.#key);
      const parsed = FlowState.safeParse(payload);
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }
}

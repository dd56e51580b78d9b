/**
 * Sign-in failure counting. Counting attempts per email let anyone lock any account by sending wrong
 * passwords for it; here only failures count, per (email, client IP) and per client IP, so the owner
 * signing in from a client that has not failed is never refused, while a client guessing one account
 * or spraying many accounts is stopped. Counters live in SharedState (Redis when configured), so every
 * instance enforces one budget. Refused attempts are answered before any hashing, which also keeps a
 * flood from spending CPU.
 */
import { createHash } from 'node:crypto';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import type { SharedState } from '../../state/shared-state.js';

export interface LockoutPolicy {
  /** Failures allowed per (email, IP) in the window. */
  attempts: number;
  windowSeconds: number;
  /** Failures allowed per IP over all emails in the window. */
  perIpAttempts: number;
}

const digest = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 22);

export class SigninLockout {
  constructor(
    private readonly state: SharedState,
    private readonly policy: LockoutPolicy,
  ) {}

  #pairKey(email: string, ip: string) {
    return `signin:fail:${digest(`${email.trim().toLowerCase()}\n${ip}`)}`;
  }
  #ipKey(ip: string) {
    return `signin:ipfail:${digest(ip)}`;
  }

  /** 429 when this client already failed too often, for this email or overall. */
  async check(email: string, ip: string): Promise<void> {
    const [pair, perIp] = await Promise.all([this.state.get(this.#pairKey(email, ip)), this.state.get(this.#ipKey(ip))]);
    if (Number(pair ?? 0) >= this.policy.attempts || Number(perIp ?? 0) >= this.policy.perIpAttempts) {
      throw new ApiError(429, ERROR_MESSAGES.RATE_LIMIT_EXCEEDED);
    }
  }

  async failed(email: string, ip: string): Promise<void> {
    await Promise.all([this.state.incr(this.#pairKey(email, ip), this.policy.windowSeconds), this.state.incr(this.#ipKey(ip), this.policy.windowSeconds)]);
  }

  /** A right password clears this client's count for the email (the per-IP count runs out on its own). */
  async succeeded(email: string, ip: string): Promise<void> {
    await this.state.del(this.#pairKey(email, ip));
  }
}

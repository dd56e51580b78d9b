import type { Config } from '../../config/env.js';
import { ApiError } from '../../errors/api-error.js';
import { ERROR_MESSAGES } from '../../errors/messages.js';
import { passwordPool } from './password-pool.js';

// bcrypt only reads 72 bytes. New passwords longer than that are refused (the tail would be ignored
// silently); at sign-in the input is used as is, which bcrypt truncates the same way Python's did.
const MAX_BYTES = 72;
const DEFAULT_POLICY = /^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)(?=.*[^\w\s]).{8,}$/;

/** Hashing and the password rules for new passwords (sign-up, add, change). */
export class PasswordPolicy {
  readonly #pattern: RegExp | null;
  readonly #hint: string;

  constructor(
    cfg: Config['auth']['passwordValidation'],
    private readonly cost: number,
    warn: (msg: string) => void = () => {},
  ) {
    this.#hint = cfg.hint;
    if (!cfg.enabled) this.#pattern = null;
    else {
      try {
        this.#pattern = new RegExp(cfg.pattern, 'u');
      } catch {
        warn('PASSWORD_VALIDATION_REGEX_PATTERN is not a valid JavaScript regular expression; using the default policy');
        this.#pattern = DEFAULT_POLICY;
      }
    }
  }

  /** Throws the original's 400s for a password that may not be set. */
  check(password: string): void {
    if (Buffer.byteLength(password, 'utf8') > MAX_BYTES) throw new ApiError(400, ERROR_MESSAGES.PASSWORD_TOO_LONG);
    if (this.#pattern && !this.#pattern.test(password)) throw new ApiError(400, ERROR_MESSAGES.INVALID_PASSWORD(this.#hint));
  }

  async hash(password: string): Promise<string> {
    return passwordPool.hash(password, this.cost);
  }

  /** Works for `$2a$`/`$2b$`/`$2y$` hashes, so accounts imported from the original still sign in. */
  async verify(password: string, hash: string): Promise<boolean> {
    return passwordPool.verify(password, hash);
  }
}

// Compared against when the email is unknown, so a miss costs as long as a wrong password and the
// response time does not reveal which emails have accounts.
// (A fixed cost-10 hash of a random string nobody knows.)
export const DUMMY_HASH = '$2b$10$psEpnD.yWhrKEYWlkpQg5uAUY50JifNkPXMXmavkcBBgivvfDoiCC';

import type { UserModel } from '@owui/contracts';
import type { Db } from '../../db/database.js';
import { AuthsRepository } from './auths.repository.js';
import type { RevocationCheck } from './session.js';
import type { TokenClaims } from './tokens.js';

/**
 * Revocation kept in the database, so it survives restarts and every instance behind a load balancer
 * honours a sign-out or password change made on another one.
 */
export class DbRevocationCheck implements RevocationCheck {
  readonly inDatabase = true;
  readonly #repo: AuthsRepository;
  constructor(db: Db) {
    this.#repo = new AuthsRepository(db);
  }
  isRevoked(claims: TokenClaims): Promise<boolean> {
    return this.#repo.isRevoked(claims);
  }
  userUnlessRevoked(claims: TokenClaims): Promise<UserModel | undefined> {
    return this.#repo.userUnlessRevoked(claims);
  }
}

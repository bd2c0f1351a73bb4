// Verifies credentials and returns the principal they belong to.
import crypto from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { UserConfig } from '../config';
import type { Principal } from './principal';
import { hashPassword, hashToken, verifyPassword } from './secrets';

export interface Authenticator {
  byToken(token: string): Principal | undefined;
  byPassword(username: string, password: string): Principal | undefined;
}

/** Users declared in the configuration file (and the bootstrap admin). */
export class StaticAuthenticator implements Authenticator {
  private readonly tokens = new Map<string, Principal>();
  private readonly passwords = new Map<string, { hash: string; principal: Principal }>();
  // Basic clients (Sentinel, MISP) send the password on every request; scrypt costs
  // tens of milliseconds, so a verified pair is remembered briefly, keyed by its hash.
  private readonly verified = new LRUCache<string, Principal>({ max: 10_000, ttl: 5 * 60_000 });
  // Checked when the username is unknown, so that unknown and known users take as long.
  private readonly decoyHash = hashPassword(crypto.randomBytes(16).toString('hex'));

  constructor(users: UserConfig[]) {
    for (const u of users) {
      const principal: Principal = { id: u.id, admin: u.admin, collections: new Map(Object.entries(u.collections)) };
      for (const t of u.tokenSha256) this.tokens.set(t, principal);
      if (u.username !== undefined && u.passwordScrypt !== undefined) {
        this.passwords.set(u.username, { hash: u.passwordScrypt, principal });
      }
    }
  }

  byToken(token: string): Principal | undefined {
    // A SHA-256 lookup: the map compares digests of high-entropy tokens, which tells
    // an attacker nothing about any stored token.
    return this.tokens.get(hashToken(token));
  }

  byPassword(username: string, password: string): Principal | undefined {
    const cacheKey = hashToken(`${username}\u0000${password}`);
    const cached = this.verified.get(cacheKey);
    if (cached) return cached;
    const entry = this.passwords.get(username);
    const ok = verifyPassword(password, entry?.hash ?? this.decoyHash) && entry !== undefined;
    if (!ok || !entry) return undefined;
    this.verified.set(cacheKey, entry.principal);
    return entry.principal;
  }
}

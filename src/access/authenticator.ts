// Verifies credentials against the directory and returns the principal they belong to.
// A credential works while it is unrevoked, unexpired and its member active; every check
// is made against the directory as of this request (live-directory.ts).
import crypto from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { CredentialRecord } from '../directory/records';
import type { DirectorySnapshot } from './directory-snapshot';
import type { LiveDirectory } from './live-directory';
import type { Principal } from './principal';
import { hashPassword, hashToken, verifyPassword } from './secrets';

export type AuthResult =
  | { ok: true; principal: Principal }
  /** `suspended`: the secret is right but its member is suspended (403, not 401). */
  | { ok: false; reason: 'invalid' | 'expired' | 'suspended' };

export interface Authenticator {
  byToken(token: string): Promise<AuthResult>;
  byPassword(username: string, password: string): Promise<AuthResult>;
}

export class DirectoryAuthenticator implements Authenticator {
  // Basic clients (Sentinel, MISP) send the password on every request; scrypt costs
  // tens of milliseconds, so a verified pair is remembered briefly, keyed by a digest of
  // the pair, and re-checked against the current directory on every use.
  private readonly verified = new LRUCache<string, string>({ max: 10_000, ttl: 5 * 60_000 });
  // Checked when the username is unknown, so that unknown and known users take as long.
  private readonly decoyHash = hashPassword(crypto.randomBytes(16).toString('hex'));

  /** `extra`: credentials held only in memory (the bootstrap admin's, from the environment). */
  constructor(
    private readonly directory: LiveDirectory,
    private readonly extra: readonly CredentialRecord[] = [],
    private readonly now: () => number = Date.now,
  ) {}

  async byToken(token: string): Promise<AuthResult> {
    const snapshot = await this.directory.refresh();
    // A SHA-256 lookup: the map compares digests of high-entropy tokens, which tells an
    // attacker nothing about any stored token.
    const digest = hashToken(token);
    const credential = snapshot.tokenCredential(digest) ?? this.extra.find((c) => c.kind === 'token' && c.secretHash === digest);
    return this.admit(snapshot, credential);
  }

  async byPassword(username: string, password: string): Promise<AuthResult> {
    const snapshot = await this.directory.refresh();
    const credential = snapshot.passwordCredential(username) ?? this.extra.find((c) => c.kind === 'password' && c.username === username);
    const cacheKey = hashToken(`${username}\u0000${password}`);
    if (credential && this.verified.get(cacheKey) === `${credential.id} ${credential.secretHash}`) {
      return this.admit(snapshot, credential);
    }
    const ok = verifyPassword(password, credential?.secretHash ?? this.decoyHash) && credential !== undefined;
    if (!ok || !credential) return { ok: false, reason: 'invalid' };
    this.verified.set(cacheKey, `${credential.id} ${credential.secretHash}`);
    return this.admit(snapshot, credential);
  }

  private admit(snapshot: DirectorySnapshot, credential: CredentialRecord | undefined): AuthResult {
    if (!credential || credential.revokedAt !== undefined) return { ok: false, reason: 'invalid' };
    if (credential.expiresAt !== undefined && credential.expiresAt <= this.now()) return { ok: false, reason: 'expired' };
    const member = snapshot.members.get(credential.memberId);
    if (!member) return { ok: false, reason: 'invalid' };
    if (member.status !== 'active') return { ok: false, reason: 'suspended' };
    const admin = credential.role === 'admin';
    return {
      ok: true,
      principal: {
        id: member.id,
        credentialId: credential.id,
        credentialPrefix: credential.prefix,
        role: credential.role,
        admin,
        collections: admin ? new Map() : snapshot.accessOf(member.id, credential.role),
      },
    };
  }
}

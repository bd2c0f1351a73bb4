// Members' credentials: API tokens (Bearer) and HTTP Basic passwords. Only their hashes
// are stored; the secret is returned once, when it is made.
import crypto from 'node:crypto';
import { TOKEN_PREFIX_LENGTH, hashPassword, hashToken, newPassword, newToken } from '../access/secrets';
import type { CredentialRecord, Role } from '../directory/records';
import type { Actor } from './actor';
import { AdminError, found } from './admin-error';
import type { AuditedDirectory } from './audited-directory';

export interface NewCredential {
  role: Role;
  label?: string;
  /** Milliseconds since the epoch. */
  expiresAt?: number;
}

const MIN_PASSWORD_LENGTH = 12;

export class CredentialAdmin {
  constructor(
    private readonly directory: AuditedDirectory,
    private readonly now: () => number = Date.now,
  ) {}

  /** Every credential, or the member's (a 404 when there is no such member). */
  async list(memberId?: string): Promise<CredentialRecord[]> {
    const snapshot = await this.directory.snapshot();
    if (memberId !== undefined) found(snapshot.members.get(memberId), `member '${memberId}'`);
    return [...snapshot.credentials.values()].filter((c) => memberId === undefined || c.memberId === memberId);
  }

  async get(id: string): Promise<CredentialRecord> {
    return found((await this.directory.snapshot()).credentials.get(id), `credential '${id}'`);
  }

  /** A new API token; the token itself is returned here once and never stored. */
  async issueToken(actor: Actor, memberId: string, options: NewCredential): Promise<{ credential: CredentialRecord; token: string }> {
    const token = newToken();
    const credential: CredentialRecord = {
      id: crypto.randomUUID(),
      memberId,
      kind: 'token',
      role: options.role,
      prefix: token.slice(0, TOKEN_PREFIX_LENGTH),
      secretHash: hashToken(token),
      createdAt: this.now(),
      ...(options.label !== undefined ? { label: options.label } : {}),
      ...(options.expiresAt !== undefined ? { expiresAt: options.expiresAt } : {}),
    };
    await this.add(actor, credential);
    return { credential, token };
  }

  /** HTTP Basic credentials; a password is generated when none is given, and returned once. */
  async addPassword(
    actor: Actor,
    memberId: string,
    options: NewCredential & { username: string; password?: string },
  ): Promise<{ credential: CredentialRecord; password: string }> {
    const password = options.password ?? newPassword();
    if (password.length < MIN_PASSWORD_LENGTH) throw new AdminError(400, `a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
    if (!/^[^:\s]{1,128}$/.test(options.username)) {
      // RFC 7617 §2: the user-id cannot contain a colon.
      throw new AdminError(400, 'a username is 1–128 characters without colons or spaces');
    }
    const credential: CredentialRecord = {
      id: crypto.randomUUID(),
      memberId,
      kind: 'password',
      role: options.role,
      prefix: options.username,
      username: options.username,
      secretHash: hashPassword(password),
      createdAt: this.now(),
      ...(options.label !== undefined ? { label: options.label } : {}),
      ...(options.expiresAt !== undefined ? { expiresAt: options.expiresAt } : {}),
    };
    await this.add(actor, credential);
    return { credential, password };
  }

  /** Revoked credentials stay listed (with revoked_at) for the audit trail; they never work again. */
  async revoke(actor: Actor, id: string): Promise<CredentialRecord> {
    let revoked: CredentialRecord | undefined;
    await this.directory.applyChanges(actor, 'credential.revoke', { credential_id: id }, (snapshot) => {
      const c = found(snapshot.credentials.get(id), `credential '${id}'`);
      revoked = c.revokedAt !== undefined ? c : { ...c, revokedAt: this.now() };
      return [{ op: 'put', kind: 'credential', record: revoked }];
    });
    return revoked as CredentialRecord;
  }

  private async add(actor: Actor, credential: CredentialRecord): Promise<void> {
    await this.directory.applyChanges(
      actor,
      'credential.issue',
      { member: credential.memberId, credential_id: credential.id, prefix: credential.prefix, kind: credential.kind, role: credential.role },
      (snapshot) => {
        found(snapshot.members.get(credential.memberId), `member '${credential.memberId}'`);
        return [{ op: 'put', kind: 'credential', record: credential }];
      },
    );
  }
}

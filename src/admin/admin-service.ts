// The admin use cases, shared by the admin API, the CLI and `config apply`: every change
// is built against a fresh copy of the directory, checked (directory-integrity.ts) on the
// directory it would produce, written in one transaction with its audit entry, and
// retried when another admin changed the directory in between.
import crypto from 'node:crypto';
import type { LiveDirectory } from '../access/live-directory';
import type { DirectorySnapshot } from '../access/directory-snapshot';
import { hashPassword, hashToken, newPassword, newToken } from '../access/secrets';
import {
  DirectoryConflict,
  type AclEntry,
  type ApiRootRecord,
  type AuditEntry,
  type AuditQuery,
  type CollectionRecord,
  type CredentialRecord,
  type DirectoryChange,
  type DirectoryData,
  type GroupRecord,
  type MemberRecord,
  type MemberStatus,
  type Mou,
  type Role,
} from '../directory/records';
import { defaultMou } from '../directory/mou';
import type { Store } from '../store/store';
import { applyInMemory } from '../directory/changes';
import { checkDirectory } from './directory-integrity';
import { mouToJson } from './directory-json';
import { isStixId } from '../vocabulary/stix-id';

/** Who makes a change, for the audit log. */
export interface Actor {
  memberId: string;
  credentialPrefix?: string;
  requestId?: string;
  source?: string;
}

export class AdminError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

export interface NewCredential {
  role: Role;
  label?: string;
  /** Milliseconds since the epoch. */
  expiresAt?: number;
}

/** The visible part of a token, enough to tell tokens apart in lists and logs. */
export const TOKEN_PREFIX_LENGTH = 16;
const MIN_PASSWORD_LENGTH = 12;
const RETRIES = 5;

/** The sharing layer's releases (embargo until released): Distributor.release. */
export interface EmbargoReleaser {
  /** Releases a provider's objects to the others; returns how many held versions reached a reader. */
  release(providerId: string, objectIds: string[]): Promise<number>;
}

/** At most this many object ids per release. */
export const MAX_RELEASE_IDS = 1000;

/** Told of every directory change once it is stored (the sharing layer re-materialises what it changes). */
export type DirectoryListener = (before: DirectoryData, after: DirectoryData) => Promise<void>;

export class AdminService {
  private readonly listeners: DirectoryListener[] = [];
  private releaser: EmbargoReleaser | undefined;

  constructor(
    private readonly store: Store,
    private readonly directory: LiveDirectory,
    private readonly now: () => number = Date.now,
  ) {}

  /** Gives releaseObjects the sharing layer (the server and the CLI wire their distributor). */
  setReleaser(releaser: EmbargoReleaser): void {
    this.releaser = releaser;
  }

  /**
   * Embargo until released (MOU `provide.embargo_until_released`): the member releases
   * these objects of its to the others, who see them from now (their feeds' date_added is
   * this instant). Ids it never published change nothing. Audited as `embargo.release`.
   * Returns how many held versions reached a reader (reader × version).
   */
  async releaseObjects(actor: Actor, memberId: string, objectIds: string[]): Promise<number> {
    await this.getMember(memberId);
    const ids = [...new Set(objectIds)];
    const problems: string[] = [];
    if (ids.length === 0) problems.push('give at least one object id');
    if (ids.length > MAX_RELEASE_IDS) problems.push(`at most ${MAX_RELEASE_IDS} object ids per release`);
    for (const id of ids) if (!isStixId(id, 'stix')) problems.push(`'${id.slice(0, 100)}' is not a STIX identifier (type--UUID)`);
    if (problems.length > 0) throw new AdminError(400, problems.slice(0, 10).join('; '), problems.slice(0, 10));
    if (this.releaser === undefined) throw new Error('releaseObjects needs the sharing layer (AdminService.setReleaser)');
    const released = await this.releaser.release(memberId, ids);
    await this.store.appendAudit([
      {
        at: this.now(),
        kind: 'admin',
        action: 'embargo.release',
        memberId: actor.memberId,
        ...(actor.credentialPrefix !== undefined ? { credentialPrefix: actor.credentialPrefix } : {}),
        ...(actor.requestId !== undefined ? { requestId: actor.requestId } : {}),
        ...(actor.source !== undefined ? { source: actor.source } : {}),
        details: { member: memberId, object_ids: ids, released },
      },
    ]);
    return released;
  }

  onChange(listener: DirectoryListener): void {
    this.listeners.push(listener);
  }

  snapshot(): Promise<DirectorySnapshot> {
    return this.directory.refresh();
  }

  // --- members ---
  async listMembers(): Promise<MemberRecord[]> {
    return [...(await this.snapshot()).members.values()];
  }

  async getMember(id: string): Promise<MemberRecord> {
    return found((await this.snapshot()).members.get(id), `member '${id}'`);
  }

  async createMember(actor: Actor, member: MemberRecord): Promise<MemberRecord> {
    await this.change(actor, 'member.create', { member: member.id }, (d) => {
      if (d.members.has(member.id)) throw new AdminError(409, `member '${member.id}' already exists`);
      return [{ op: 'put', kind: 'member', record: member }];
    });
    return member;
  }

  async updateMember(actor: Actor, id: string, patch: Partial<Omit<MemberRecord, 'id'>>): Promise<MemberRecord> {
    let updated: MemberRecord | undefined;
    await this.change(actor, 'member.update', { member: id, fields: Object.keys(patch) }, (d) => {
      updated = { ...found(d.members.get(id), `member '${id}'`), ...patch, id };
      return [{ op: 'put', kind: 'member', record: updated }];
    });
    return updated as MemberRecord;
  }

  /** Suspending cuts every credential of the member at its next request; nothing it published is removed. */
  setMemberStatus(actor: Actor, id: string, status: MemberStatus): Promise<MemberRecord> {
    return this.updateMember({ ...actor }, id, { status });
  }

  /** Removes the member, its credentials, its MOU and the ACL entries naming it; refused while it owns collections. */
  async deleteMember(actor: Actor, id: string): Promise<void> {
    await this.change(actor, 'member.delete', { member: id }, (d) => {
      found(d.members.get(id), `member '${id}'`);
      return memberDeletion(d.data, id);
    });
  }

  // --- groups ---
  async listGroups(): Promise<GroupRecord[]> {
    return [...(await this.snapshot()).groups.values()];
  }

  async getGroup(id: string): Promise<GroupRecord> {
    return found((await this.snapshot()).groups.get(id), `group '${id}'`);
  }

  async createGroup(actor: Actor, group: GroupRecord): Promise<GroupRecord> {
    await this.change(actor, 'group.create', { group: group.id }, (d) => {
      if (d.groups.has(group.id)) throw new AdminError(409, `group '${group.id}' already exists`);
      return [{ op: 'put', kind: 'group', record: group }];
    });
    return group;
  }

  async updateGroup(actor: Actor, id: string, patch: Partial<Omit<GroupRecord, 'id'>>): Promise<GroupRecord> {
    let updated: GroupRecord | undefined;
    await this.change(actor, 'group.update', { group: id, fields: Object.keys(patch) }, (d) => {
      updated = { ...found(d.groups.get(id), `group '${id}'`), ...patch, id };
      return [{ op: 'put', kind: 'group', record: updated }];
    });
    return updated as GroupRecord;
  }

  /** Removes the group from its members and drops the ACL entries granted to it. */
  async deleteGroup(actor: Actor, id: string): Promise<void> {
    await this.change(actor, 'group.delete', { group: id }, (d) => {
      found(d.groups.get(id), `group '${id}'`);
      return groupDeletion(d.data, id);
    });
  }

  // --- credentials ---
  async listCredentials(memberId?: string): Promise<CredentialRecord[]> {
    const d = await this.snapshot();
    if (memberId !== undefined) found(d.members.get(memberId), `member '${memberId}'`);
    return [...d.credentials.values()].filter((c) => memberId === undefined || c.memberId === memberId);
  }

  async getCredential(id: string): Promise<CredentialRecord> {
    return found((await this.snapshot()).credentials.get(id), `credential '${id}'`);
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
    await this.addCredential(actor, credential);
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
    await this.addCredential(actor, credential);
    return { credential, password };
  }

  private async addCredential(actor: Actor, credential: CredentialRecord): Promise<void> {
    await this.change(
      actor,
      'credential.issue',
      { member: credential.memberId, credential_id: credential.id, prefix: credential.prefix, kind: credential.kind, role: credential.role },
      (d) => {
        found(d.members.get(credential.memberId), `member '${credential.memberId}'`);
        return [{ op: 'put', kind: 'credential', record: credential }];
      },
    );
  }

  /** Revoked credentials stay listed (with revoked_at) for the audit trail; they never work again. */
  async revokeCredential(actor: Actor, id: string): Promise<CredentialRecord> {
    let revoked: CredentialRecord | undefined;
    await this.change(actor, 'credential.revoke', { credential_id: id }, (d) => {
      const c = found(d.credentials.get(id), `credential '${id}'`);
      revoked = c.revokedAt !== undefined ? c : { ...c, revokedAt: this.now() };
      return [{ op: 'put', kind: 'credential', record: revoked }];
    });
    return revoked as CredentialRecord;
  }

  // --- API roots ---
  async listApiRoots(): Promise<ApiRootRecord[]> {
    return (await this.snapshot()).data.apiRoots;
  }

  async getApiRoot(path: string): Promise<ApiRootRecord> {
    return found((await this.snapshot()).data.apiRoots.find((r) => r.path === path), `API root '${path}'`);
  }

  async createApiRoot(actor: Actor, root: ApiRootRecord): Promise<ApiRootRecord> {
    await this.change(actor, 'api_root.create', { api_root: root.path }, (d) => {
      if (d.roots.has(root.path)) throw new AdminError(409, `API root '${root.path}' already exists`);
      return [{ op: 'put', kind: 'apiRoot', record: root }];
    });
    return root;
  }

  async updateApiRoot(actor: Actor, path: string, patch: Partial<Omit<ApiRootRecord, 'path'>>): Promise<ApiRootRecord> {
    let updated: ApiRootRecord | undefined;
    await this.change(actor, 'api_root.update', { api_root: path, fields: Object.keys(patch) }, (d) => {
      const current = found(d.data.apiRoots.find((r) => r.path === path), `API root '${path}'`);
      updated = { ...current, ...patch, path };
      return [{ op: 'put', kind: 'apiRoot', record: updated }];
    });
    return updated as ApiRootRecord;
  }

  async deleteApiRoot(actor: Actor, path: string): Promise<void> {
    await this.change(actor, 'api_root.delete', { api_root: path }, (d) => {
      const root = found(d.roots.get(path), `API root '${path}'`);
      if (root.collections.length > 0) throw new AdminError(409, `API root '${path}' still has ${root.collections.length} collections`);
      return [{ op: 'delete', kind: 'apiRoot', key: path }];
    });
  }

  // --- collections ---
  async listCollections(apiRoot?: string): Promise<CollectionRecord[]> {
    return [...(await this.snapshot()).collections.values()].filter((c) => apiRoot === undefined || c.apiRoot === apiRoot);
  }

  async getCollection(id: string): Promise<CollectionRecord> {
    return found((await this.snapshot()).collections.get(id), `collection '${id}'`);
  }

  async createCollection(actor: Actor, collection: CollectionRecord): Promise<CollectionRecord> {
    await this.change(actor, 'collection.create', { collection: collection.id, api_root: collection.apiRoot }, (d) => {
      if (d.collections.has(collection.id)) throw new AdminError(409, `collection '${collection.id}' already exists`);
      return [{ op: 'put', kind: 'collection', record: collection }];
    });
    return collection;
  }

  async updateCollection(actor: Actor, id: string, patch: Partial<Omit<CollectionRecord, 'id'>>): Promise<CollectionRecord> {
    let updated: CollectionRecord | undefined;
    await this.change(actor, 'collection.update', { collection: id, fields: Object.keys(patch) }, (d) => {
      updated = { ...found(d.collections.get(id), `collection '${id}'`), ...patch, id };
      return [{ op: 'put', kind: 'collection', record: updated }];
    });
    return updated as CollectionRecord;
  }

  /**
   * Removes the collection and its ACL entries from the directory. Its objects stay in the
   * store, unreachable; a collection created again with the same id serves them again.
   */
  async deleteCollection(actor: Actor, id: string): Promise<void> {
    await this.change(actor, 'collection.delete', { collection: id }, (d) => {
      found(d.collections.get(id), `collection '${id}'`);
      return [
        ...d.acl(id).map((a): DirectoryChange => ({ op: 'delete', kind: 'acl', key: { collectionId: id, grantee: a.grantee } })),
        { op: 'delete', kind: 'collection', key: id },
      ];
    });
  }

  // --- ACL ---
  async listAcl(collectionId: string): Promise<AclEntry[]> {
    const d = await this.snapshot();
    found(d.collections.get(collectionId), `collection '${collectionId}'`);
    return [...d.acl(collectionId)];
  }

  /** Sets the grantee's entry on the collection (read and/or write); it replaces an earlier one. */
  async grant(actor: Actor, entry: AclEntry): Promise<AclEntry> {
    await this.change(actor, 'acl.grant', { collection: entry.collectionId, grantee: entry.grantee, read: entry.read, write: entry.write }, (d) => {
      found(d.collections.get(entry.collectionId), `collection '${entry.collectionId}'`);
      return [{ op: 'put', kind: 'acl', record: entry }];
    });
    return entry;
  }

  async revoke(actor: Actor, collectionId: string, grantee: string): Promise<void> {
    await this.change(actor, 'acl.revoke', { collection: collectionId, grantee }, (d) => {
      found(d.collections.get(collectionId), `collection '${collectionId}'`);
      found(d.acl(collectionId).find((a) => a.grantee === grantee), `ACL entry '${grantee}' on collection '${collectionId}'`);
      return [{ op: 'delete', kind: 'acl', key: { collectionId, grantee } }];
    });
  }

  // --- MOUs ---
  /** Every MOU in the directory (members without one are not listed: they use the defaults). */
  async listMous(): Promise<Mou[]> {
    return [...(await this.snapshot()).mous.values()].sort((a, b) => a.memberId.localeCompare(b.memberId));
  }

  /** The member's MOU, or the defaults it shares and receives under (`isDefault`). */
  async getMou(memberId: string): Promise<{ mou: Mou; isDefault: boolean }> {
    const d = await this.snapshot();
    found(d.members.get(memberId), `member '${memberId}'`);
    const mou = d.mous.get(memberId);
    return mou ? { mou, isDefault: false } : { mou: defaultMou(memberId), isDefault: true };
  }

  /** Sets the member's MOU, replacing an earlier one (an API/CLI MOU is unmanaged: config apply leaves it alone). */
  async putMou(actor: Actor, mou: Mou): Promise<Mou> {
    const { managed: _managed, ...record } = mou;
    // The agreement as it now stands goes into the audit entry: the log is its version history.
    await this.change(actor, 'mou.put', { member: record.memberId, mou: mouToJson(record) }, (d) => {
      found(d.members.get(record.memberId), `member '${record.memberId}'`);
      return [{ op: 'put', kind: 'mou', record }];
    });
    return record;
  }

  /** Removes the member's MOU: it shares and receives under the defaults again. */
  async deleteMou(actor: Actor, memberId: string): Promise<void> {
    await this.change(actor, 'mou.delete', { member: memberId }, (d) => {
      found(d.members.get(memberId), `member '${memberId}'`);
      found(d.mous.get(memberId), `MOU of member '${memberId}'`);
      return [{ op: 'delete', kind: 'mou', key: memberId }];
    });
  }

  // --- audit ---
  async queryAudit(query: AuditQuery): Promise<{ entries: AuditEntry[]; more: boolean }> {
    return this.store.queryAudit(query);
  }

  /** `config apply`: a planned set of changes, made at once (or not at all). */
  async applyChanges(actor: Actor, action: string, details: Record<string, unknown>, build: (d: DirectorySnapshot) => DirectoryChange[]): Promise<number> {
    return this.change(actor, action, details, build);
  }

  private async change(
    actor: Actor,
    action: string,
    details: Record<string, unknown>,
    build: (d: DirectorySnapshot) => DirectoryChange[],
  ): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const snapshot = await this.directory.refresh();
      const changes = build(snapshot);
      if (changes.length === 0) return snapshot.revision;
      const problems = checkDirectory(applyInMemory(snapshot.data, changes));
      if (problems.length > 0) throw new AdminError(problemStatus(problems), problems.join('; '), problems);
      const audit: AuditEntry = {
        at: this.now(),
        kind: 'admin',
        action,
        memberId: actor.memberId,
        ...(actor.credentialPrefix !== undefined ? { credentialPrefix: actor.credentialPrefix } : {}),
        ...(actor.requestId !== undefined ? { requestId: actor.requestId } : {}),
        ...(actor.source !== undefined ? { source: actor.source } : {}),
        ...(typeof details.collection === 'string' ? { collectionId: details.collection } : {}),
        details: { ...details, changes: changes.length },
      };
      try {
        const revision = await this.store.applyDirectoryChanges(changes, [audit], snapshot.revision);
        const after = await this.directory.refresh();
        for (const listener of this.listeners) await listener(snapshot.data, after.data);
        return revision;
      } catch (e) {
        if (!(e instanceof DirectoryConflict) || attempt >= RETRIES) throw e;
      }
    }
  }
}

function found<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new AdminError(404, `${what} does not exist`);
  return value;
}

/** Name clashes are conflicts (409); anything else is a bad request (400). */
function problemStatus(problems: string[]): 400 | 409 {
  return problems.every((p) => /declared twice|already in use|is used by two/.test(p)) ? 409 : 400;
}

export function memberDeletion(d: DirectoryData, id: string): DirectoryChange[] {
  const owned = d.collections.filter((c) => c.owner === id);
  if (owned.length > 0) {
    throw new AdminError(409, `member '${id}' still owns collections ${owned.map((c) => c.id).join(', ')}; delete or re-own them first`);
  }
  return [
    ...d.credentials.filter((c) => c.memberId === id).map((c): DirectoryChange => ({ op: 'delete', kind: 'credential', key: c.id })),
    ...d.acl
      .filter((a) => a.grantee === `member:${id}`)
      .map((a): DirectoryChange => ({ op: 'delete', kind: 'acl', key: { collectionId: a.collectionId, grantee: a.grantee } })),
    ...d.mous.filter((m) => m.memberId === id).map((): DirectoryChange => ({ op: 'delete', kind: 'mou', key: id })),
    { op: 'delete', kind: 'member', key: id },
  ];
}

export function groupDeletion(d: DirectoryData, id: string): DirectoryChange[] {
  return [
    ...d.members
      .filter((m) => m.groups.includes(id))
      .map((m): DirectoryChange => ({ op: 'put', kind: 'member', record: { ...m, groups: m.groups.filter((g) => g !== id) } })),
    ...d.acl
      .filter((a) => a.grantee === `group:${id}`)
      .map((a): DirectoryChange => ({ op: 'delete', kind: 'acl', key: { collectionId: a.collectionId, grantee: a.grantee } })),
    { op: 'delete', kind: 'group', key: id },
  ];
}

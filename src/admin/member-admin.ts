// Members of the hub: who may hold credentials, be granted access and sign a MOU.
import type { DirectoryChange, DirectoryData, MemberRecord, MemberStatus } from '../directory/records';
import type { Actor } from './actor';
import { AdminError, found } from './admin-error';
import type { AuditedDirectory } from './audited-directory';

export class MemberAdmin {
  constructor(private readonly directory: AuditedDirectory) {}

  async list(): Promise<MemberRecord[]> {
    return [...(await this.directory.snapshot()).members.values()];
  }

  async get(id: string): Promise<MemberRecord> {
    return found((await this.directory.snapshot()).members.get(id), `member '${id}'`);
  }

  async create(actor: Actor, member: MemberRecord): Promise<MemberRecord> {
    await this.directory.applyChanges(actor, 'member.create', { member: member.id }, (snapshot) => {
      if (snapshot.members.has(member.id)) throw new AdminError(409, `member '${member.id}' already exists`);
      return [{ op: 'put', kind: 'member', record: member }];
    });
    return member;
  }

  async update(actor: Actor, id: string, patch: Partial<Omit<MemberRecord, 'id'>>): Promise<MemberRecord> {
    let updated: MemberRecord | undefined;
    await this.directory.applyChanges(actor, 'member.update', { member: id, fields: Object.keys(patch) }, (snapshot) => {
      updated = { ...found(snapshot.members.get(id), `member '${id}'`), ...patch, id };
      return [{ op: 'put', kind: 'member', record: updated }];
    });
    return updated as MemberRecord;
  }

  /** Suspending cuts every credential of the member at its next request; nothing it published is removed. */
  setStatus(actor: Actor, id: string, status: MemberStatus): Promise<MemberRecord> {
    return this.update(actor, id, { status });
  }

  /** Removes the member, its credentials, its MOU and the ACL entries naming it; refused while it owns collections. */
  async delete(actor: Actor, id: string): Promise<void> {
    await this.directory.applyChanges(actor, 'member.delete', { member: id }, (snapshot) => {
      found(snapshot.members.get(id), `member '${id}'`);
      return memberDeletion(snapshot.data, id);
    });
  }
}

export function memberDeletion(snapshot: DirectoryData, id: string): DirectoryChange[] {
  const owned = snapshot.collections.filter((c) => c.owner === id);
  if (owned.length > 0) {
    throw new AdminError(409, `member '${id}' still owns collections ${owned.map((c) => c.id).join(', ')}; delete or re-own them first`);
  }
  return [
    ...snapshot.credentials.filter((c) => c.memberId === id).map((c): DirectoryChange => ({ op: 'delete', kind: 'credential', key: c.id })),
    ...snapshot.acl
      .filter((a) => a.grantee === `member:${id}`)
      .map((a): DirectoryChange => ({ op: 'delete', kind: 'acl', key: { collectionId: a.collectionId, grantee: a.grantee } })),
    ...snapshot.mous.filter((m) => m.memberId === id).map((): DirectoryChange => ({ op: 'delete', kind: 'mou', key: id })),
    { op: 'delete', kind: 'member', key: id },
  ];
}

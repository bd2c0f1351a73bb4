// Groups of members: one ACL entry (`group:<id>`) grants all of them access.
import type { DirectoryChange, DirectoryData, GroupRecord } from '../directory/records';
import type { Actor } from './actor';
import { AdminError, found } from './admin-error';
import type { AuditedDirectory } from './audited-directory';

export class GroupAdmin {
  constructor(private readonly directory: AuditedDirectory) {}

  async list(): Promise<GroupRecord[]> {
    return [...(await this.directory.snapshot()).groups.values()];
  }

  async get(id: string): Promise<GroupRecord> {
    return found((await this.directory.snapshot()).groups.get(id), `group '${id}'`);
  }

  async create(actor: Actor, group: GroupRecord): Promise<GroupRecord> {
    await this.directory.applyChanges(actor, 'group.create', { group: group.id }, (snapshot) => {
      if (snapshot.groups.has(group.id)) throw new AdminError(409, `group '${group.id}' already exists`);
      return [{ op: 'put', kind: 'group', record: group }];
    });
    return group;
  }

  async update(actor: Actor, id: string, patch: Partial<Omit<GroupRecord, 'id'>>): Promise<GroupRecord> {
    let updated: GroupRecord | undefined;
    await this.directory.applyChanges(actor, 'group.update', { group: id, fields: Object.keys(patch) }, (snapshot) => {
      updated = { ...found(snapshot.groups.get(id), `group '${id}'`), ...patch, id };
      return [{ op: 'put', kind: 'group', record: updated }];
    });
    return updated as GroupRecord;
  }

  /** Removes the group from its members and drops the ACL entries granted to it. */
  async delete(actor: Actor, id: string): Promise<void> {
    await this.directory.applyChanges(actor, 'group.delete', { group: id }, (snapshot) => {
      found(snapshot.groups.get(id), `group '${id}'`);
      return groupDeletion(snapshot.data, id);
    });
  }
}

export function groupDeletion(snapshot: DirectoryData, id: string): DirectoryChange[] {
  return [
    ...snapshot.members
      .filter((m) => m.groups.includes(id))
      .map((m): DirectoryChange => ({ op: 'put', kind: 'member', record: { ...m, groups: m.groups.filter((g) => g !== id) } })),
    ...snapshot.acl
      .filter((a) => a.grantee === `group:${id}`)
      .map((a): DirectoryChange => ({ op: 'delete', kind: 'acl', key: { collectionId: a.collectionId, grantee: a.grantee } })),
    { op: 'delete', kind: 'group', key: id },
  ];
}

// ACL entries: which member, group or everyone may read and/or write a collection.
import type { AclEntry } from '../directory/records';
import type { Actor } from './actor';
import { found } from './admin-error';
import type { AuditedDirectory } from './audited-directory';

export class AclAdmin {
  constructor(private readonly directory: AuditedDirectory) {}

  async list(collectionId: string): Promise<AclEntry[]> {
    const snapshot = await this.directory.snapshot();
    found(snapshot.collections.get(collectionId), `collection '${collectionId}'`);
    return [...snapshot.acl(collectionId)];
  }

  /** Sets the grantee's entry on the collection (read and/or write); it replaces an earlier one. */
  async grant(actor: Actor, entry: AclEntry): Promise<AclEntry> {
    const details = { collection: entry.collectionId, grantee: entry.grantee, read: entry.read, write: entry.write };
    await this.directory.applyChanges(actor, 'acl.grant', details, (snapshot) => {
      found(snapshot.collections.get(entry.collectionId), `collection '${entry.collectionId}'`);
      return [{ op: 'put', kind: 'acl', record: entry }];
    });
    return entry;
  }

  async revoke(actor: Actor, collectionId: string, grantee: string): Promise<void> {
    await this.directory.applyChanges(actor, 'acl.revoke', { collection: collectionId, grantee }, (snapshot) => {
      found(snapshot.collections.get(collectionId), `collection '${collectionId}'`);
      found(snapshot.acl(collectionId).find((a) => a.grantee === grantee), `ACL entry '${grantee}' on collection '${collectionId}'`);
      return [{ op: 'delete', kind: 'acl', key: { collectionId, grantee } }];
    });
  }
}

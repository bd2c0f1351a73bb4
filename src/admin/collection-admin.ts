// Collections (TAXII 2.1 §5.2) in their API roots.
import type { CollectionRecord, DirectoryChange } from '../directory/records';
import type { Actor } from './actor';
import { AdminError, found } from './admin-error';
import type { AuditedDirectory } from './audited-directory';

export class CollectionAdmin {
  constructor(private readonly directory: AuditedDirectory) {}

  /** Every collection, or those of one API root. */
  async list(apiRoot?: string): Promise<CollectionRecord[]> {
    return [...(await this.directory.snapshot()).collections.values()].filter((c) => apiRoot === undefined || c.apiRoot === apiRoot);
  }

  async get(id: string): Promise<CollectionRecord> {
    return found((await this.directory.snapshot()).collections.get(id), `collection '${id}'`);
  }

  async create(actor: Actor, collection: CollectionRecord): Promise<CollectionRecord> {
    await this.directory.applyChanges(actor, 'collection.create', { collection: collection.id, api_root: collection.apiRoot }, (snapshot) => {
      if (snapshot.collections.has(collection.id)) throw new AdminError(409, `collection '${collection.id}' already exists`);
      return [{ op: 'put', kind: 'collection', record: collection }];
    });
    return collection;
  }

  async update(actor: Actor, id: string, patch: Partial<Omit<CollectionRecord, 'id'>>): Promise<CollectionRecord> {
    let updated: CollectionRecord | undefined;
    await this.directory.applyChanges(actor, 'collection.update', { collection: id, fields: Object.keys(patch) }, (snapshot) => {
      updated = { ...found(snapshot.collections.get(id), `collection '${id}'`), ...patch, id };
      return [{ op: 'put', kind: 'collection', record: updated }];
    });
    return updated as CollectionRecord;
  }

  /**
   * Removes the collection and its ACL entries from the directory. Its objects stay in the
   * store, unreachable; a collection created again with the same id serves them again.
   */
  async delete(actor: Actor, id: string): Promise<void> {
    await this.directory.applyChanges(actor, 'collection.delete', { collection: id }, (snapshot) => {
      found(snapshot.collections.get(id), `collection '${id}'`);
      return [
        ...snapshot.acl(id).map((a): DirectoryChange => ({ op: 'delete', kind: 'acl', key: { collectionId: id, grantee: a.grantee } })),
        { op: 'delete', kind: 'collection', key: id },
      ];
    });
  }
}

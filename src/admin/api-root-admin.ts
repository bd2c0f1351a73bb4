// API roots (TAXII 2.1 §4.2): the top-level groupings that hold collections.
import type { ApiRootRecord } from '../directory/records';
import type { Actor } from './actor';
import { AdminError, found } from './admin-error';
import type { AuditedDirectory } from './audited-directory';

export class ApiRootAdmin {
  constructor(private readonly directory: AuditedDirectory) {}

  async list(): Promise<ApiRootRecord[]> {
    return (await this.directory.snapshot()).data.apiRoots;
  }

  async get(path: string): Promise<ApiRootRecord> {
    return found((await this.directory.snapshot()).data.apiRoots.find((r) => r.path === path), `API root '${path}'`);
  }

  async create(actor: Actor, root: ApiRootRecord): Promise<ApiRootRecord> {
    await this.directory.applyChanges(actor, 'api_root.create', { api_root: root.path }, (snapshot) => {
      if (snapshot.roots.has(root.path)) throw new AdminError(409, `API root '${root.path}' already exists`);
      return [{ op: 'put', kind: 'apiRoot', record: root }];
    });
    return root;
  }

  async update(actor: Actor, path: string, patch: Partial<Omit<ApiRootRecord, 'path'>>): Promise<ApiRootRecord> {
    let updated: ApiRootRecord | undefined;
    await this.directory.applyChanges(actor, 'api_root.update', { api_root: path, fields: Object.keys(patch) }, (snapshot) => {
      const current = found(snapshot.data.apiRoots.find((r) => r.path === path), `API root '${path}'`);
      updated = { ...current, ...patch, path };
      return [{ op: 'put', kind: 'apiRoot', record: updated }];
    });
    return updated as ApiRootRecord;
  }

  /** Refused while the root still holds collections. */
  async delete(actor: Actor, path: string): Promise<void> {
    await this.directory.applyChanges(actor, 'api_root.delete', { api_root: path }, (snapshot) => {
      const root = found(snapshot.roots.get(path), `API root '${path}'`);
      if (root.collections.length > 0) throw new AdminError(409, `API root '${path}' still has ${root.collections.length} collections`);
      return [{ op: 'delete', kind: 'apiRoot', key: path }];
    });
  }
}

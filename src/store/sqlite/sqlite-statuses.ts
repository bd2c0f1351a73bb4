// TAXII status resources in the embedded store, the resource kept as JSON text.
import type Database from 'better-sqlite3';
import type { StatusStore, StoredStatus } from '../status-store';

type StatusRow = { id: string; api_root: string; owner: string; created_at: number; resource: string };

export class SqliteStatuses implements StatusStore {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      save: db.prepare(
        'INSERT INTO statuses (id, api_root, owner, created_at, resource) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT (id) DO UPDATE SET resource = excluded.resource',
      ),
      get: db.prepare('SELECT id, api_root, owner, created_at, resource FROM statuses WHERE api_root = ? AND id = ?'),
      purge: db.prepare('DELETE FROM statuses WHERE created_at < ?'),
    };
  }

  async saveStatus(status: StoredStatus): Promise<void> {
    this.statements.save.run(status.id, status.apiRoot, status.owner, status.createdAt, JSON.stringify(status.resource));
  }

  async getStatus(apiRoot: string, statusId: string): Promise<StoredStatus | undefined> {
    const row = this.statements.get.get(apiRoot, statusId) as StatusRow | undefined;
    if (!row) return undefined;
    return {
      id: row.id,
      apiRoot: row.api_root,
      owner: row.owner,
      createdAt: row.created_at,
      resource: JSON.parse(row.resource) as Record<string, unknown>,
    };
  }

  async purgeStatuses(createdBefore: number): Promise<number> {
    return this.statements.purge.run(createdBefore).changes;
  }
}

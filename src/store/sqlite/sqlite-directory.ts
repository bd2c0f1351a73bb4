// The directory in the embedded store: a handful of JSON records keyed by kind (a MOU by
// its member id); its revision lives in `settings`, bumped in the same transaction as
// every change and the audit entries that record it.
import type Database from 'better-sqlite3';
import { DIRECTORY_LISTS, DirectoryConflict, type AuditEntry, type DirectoryChange, type DirectoryData } from '../../directory/records';
import type { DirectoryStore } from '../directory-store';
import type { SqliteAuditLog } from './sqlite-audit';
import { DIRECTORY_SQL } from './sqlite-schema';

const REVISION_KEY = 'directory_revision';
type Kind = DirectoryChange['kind'];

/** The key a record is stored under, per kind. */
export function directoryKey(change: DirectoryChange): string {
  if (change.op === 'delete') {
    return typeof change.key === 'string' ? change.key : `${change.key.collectionId} ${change.key.grantee}`;
  }
  switch (change.kind) {
    case 'apiRoot':
      return change.record.path;
    case 'acl':
      return `${change.record.collectionId} ${change.record.grantee}`;
    case 'mou':
      return change.record.memberId;
    default:
      return change.record.id;
  }
}

export class SqliteDirectory implements DirectoryStore {
  private readonly s;
  private readonly applyTx: (changes: DirectoryChange[], audit: AuditEntry[], expected: number) => number;

  constructor(
    private readonly db: Database.Database,
    auditLog: SqliteAuditLog,
  ) {
    db.exec(DIRECTORY_SQL);
    this.s = {
      revision: db.prepare('SELECT value FROM settings WHERE key = ?').pluck(),
      setRevision: db.prepare(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      all: db.prepare('SELECT kind, json FROM directory ORDER BY kind, key'),
      put: db.prepare('INSERT INTO directory (kind, key, json) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET json = excluded.json'),
      delete: db.prepare('DELETE FROM directory WHERE kind = ? AND key = ?'),
    };
    const tx = db.transaction((changes: DirectoryChange[], audit: AuditEntry[], expected: number) => {
      const actual = this.readRevision();
      if (actual !== expected) throw new DirectoryConflict(expected, actual);
      for (const c of changes) {
        if (c.op === 'put') this.s.put.run(c.kind, directoryKey(c), JSON.stringify(c.record));
        else this.s.delete.run(c.kind, directoryKey(c));
      }
      auditLog.insertInTransaction(audit);
      const next = actual + 1;
      this.s.setRevision.run(REVISION_KEY, String(next));
      return next;
    });
    // IMMEDIATE: the revision check and the write happen under one write lock, also
    // across processes sharing the file.
    this.applyTx = (c, a, e) => tx.immediate(c, a, e);
  }

  readRevision(): number {
    return Number((this.s.revision.get(REVISION_KEY) as string | undefined) ?? 0);
  }

  async directoryRevision(): Promise<number> {
    return this.readRevision();
  }

  async loadDirectory(): Promise<DirectoryData> {
    const read = this.db.transaction(() => {
      const data: DirectoryData = { revision: this.readRevision(), apiRoots: [], collections: [], members: [], groups: [], credentials: [], acl: [], mous: [], termsEpochs: [] };
      for (const row of this.s.all.all() as Array<{ kind: Kind; json: string }>) {
        const list = data[DIRECTORY_LISTS[row.kind]] as unknown[] | undefined;
        list?.push(JSON.parse(row.json));
      }
      return data;
    });
    return read();
  }

  async applyDirectoryChanges(changes: DirectoryChange[], audit: AuditEntry[], expectedRevision: number): Promise<number> {
    return this.applyTx(changes, audit, expectedRevision);
  }
}

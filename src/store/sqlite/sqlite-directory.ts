// The directory and the audit log in the embedded store. The directory is a handful of
// JSON records keyed by kind (a MOU by its member id); its revision lives in `settings`, bumped in the same
// transaction as every change.
import type Database from 'better-sqlite3';
import {
  DIRECTORY_LISTS,
  DirectoryConflict,
  type AuditEntry,
  type AuditQuery,
  type DirectoryChange,
  type DirectoryData,
} from '../../directory/records';
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

export class SqliteDirectory {
  private readonly s;
  private readonly applyTx: (changes: DirectoryChange[], audit: AuditEntry[], expected: number) => number;

  constructor(private readonly db: Database.Database) {
    db.exec(DIRECTORY_SQL);
    this.s = {
      revision: db.prepare('SELECT value FROM settings WHERE key = ?').pluck(),
      setRevision: db.prepare(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      all: db.prepare('SELECT kind, json FROM directory ORDER BY kind, key'),
      put: db.prepare('INSERT INTO directory (kind, key, json) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET json = excluded.json'),
      delete: db.prepare('DELETE FROM directory WHERE kind = ? AND key = ?'),
      audit: db.prepare(
        'INSERT INTO audit (at, kind, action, member_id, collection_id, json) VALUES (?, ?, ?, ?, ?, ?)',
      ),
    };
    const tx = db.transaction((changes: DirectoryChange[], audit: AuditEntry[], expected: number) => {
      const actual = this.readRevision();
      if (actual !== expected) throw new DirectoryConflict(expected, actual);
      for (const c of changes) {
        if (c.op === 'put') this.s.put.run(c.kind, directoryKey(c), JSON.stringify(c.record));
        else this.s.delete.run(c.kind, directoryKey(c));
      }
      this.insertAudit(audit);
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

  load(): DirectoryData {
    const read = this.db.transaction(() => {
      const data: DirectoryData = { revision: this.readRevision(), apiRoots: [], collections: [], members: [], groups: [], credentials: [], acl: [], mous: [] };
      for (const row of this.s.all.all() as Array<{ kind: Kind; json: string }>) {
        const list = data[DIRECTORY_LISTS[row.kind]] as unknown[] | undefined;
        list?.push(JSON.parse(row.json));
      }
      return data;
    });
    return read();
  }

  apply(changes: DirectoryChange[], audit: AuditEntry[], expected: number): number {
    return this.applyTx(changes, audit, expected);
  }

  appendAudit(entries: AuditEntry[]): void {
    if (entries.length === 0) return;
    this.db.transaction(() => this.insertAudit(entries))();
  }

  private insertAudit(entries: AuditEntry[]): void {
    for (const e of entries) {
      const { seq: _seq, ...rest } = e;
      this.s.audit.run(e.at, e.kind, e.action, e.memberId ?? null, e.collectionId ?? null, JSON.stringify(rest));
    }
  }

  queryAudit(q: AuditQuery): { entries: AuditEntry[]; more: boolean } {
    const where: string[] = ['seq > ?'];
    const params: Array<string | number> = [q.afterSeq ?? 0];
    if (q.kind !== undefined) {
      where.push('kind = ?');
      params.push(q.kind);
    }
    if (q.memberId !== undefined) {
      where.push('member_id = ?');
      params.push(q.memberId);
    }
    if (q.collectionId !== undefined) {
      where.push('collection_id = ?');
      params.push(q.collectionId);
    }
    if (q.action !== undefined) {
      where.push('action = ?');
      params.push(q.action);
    }
    if (q.since !== undefined) {
      where.push('at >= ?');
      params.push(q.since);
    }
    if (q.until !== undefined) {
      where.push('at < ?');
      params.push(q.until);
    }
    const rows = this.db
      .prepare(`SELECT seq, json FROM audit WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`)
      .all(...params, q.limit + 1) as Array<{ seq: number; json: string }>;
    const entries = rows.slice(0, q.limit).map((r) => ({ seq: r.seq, ...(JSON.parse(r.json) as AuditEntry) }));
    return { entries, more: rows.length > q.limit };
  }
}

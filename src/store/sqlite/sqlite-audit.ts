// The audit log in the embedded store: each entry as JSON, with the columns its filters
// (GET /admin/v1/audit) read kept beside it.
import type Database from 'better-sqlite3';
import type { AuditEntry, AuditQuery } from '../../directory/records';
import type { AuditLogStore, AuditPage } from '../audit-log-store';
import { AUDIT_SQL } from './sqlite-schema';

export class SqliteAuditLog implements AuditLogStore {
  private readonly insert;

  constructor(private readonly db: Database.Database) {
    db.exec(AUDIT_SQL);
    this.insert = db.prepare('INSERT INTO audit (at, kind, action, member_id, collection_id, json) VALUES (?, ?, ?, ?, ?, ?)');
  }

  async appendAudit(entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    this.db.transaction(() => this.insertInTransaction(entries))();
  }

  /** Writes entries inside the caller's transaction (a directory change and its entries commit together). */
  insertInTransaction(entries: AuditEntry[]): void {
    for (const e of entries) {
      const { seq: _seq, ...rest } = e;
      this.insert.run(e.at, e.kind, e.action, e.memberId ?? null, e.collectionId ?? null, JSON.stringify(rest));
    }
  }

  async queryAudit(q: AuditQuery): Promise<AuditPage> {
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

// The audit log in the MongoDB store: one document per entry, its _id the seq handed out
// under the audit seq's lease, so that seq order is commit order across processes.
import type { Collection, Document } from 'mongodb';
import type { AuditEntry, AuditQuery } from '../../directory/records';
import type { AuditLogStore, AuditPage } from '../audit-log-store';
import { insertIgnoringDuplicates } from './mongo-idempotent-insert';
import { AUDIT_SEQ, type LeaseHolder, type WriteLease } from './write-lease';

export interface AuditDocument {
  _id: number;
  at: number;
  kind: string;
  action: string;
  memberId?: string;
  collectionId?: string;
  /** The whole entry as JSON: details may hold any key (a query string's parameter names). */
  json: string;
}

export class MongoAuditLog implements AuditLogStore {
  constructor(
    private readonly audit: Collection<Document>,
    private readonly lease: WriteLease,
  ) {}

  async appendAudit(entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // Under the lease, so that seq order is commit order: an admin paging by seq never
    // passes an entry that another process commits later.
    await this.lease.run({ keys: [AUDIT_SEQ] }, async (holder) => {
      await this.audit.insertMany(entries.map((e) => toAuditDocument(e, holder)) as unknown as Document[], { ordered: true });
    });
  }

  /** Copies entries already numbered (a directory change's outbox); idempotent. */
  copyIn(docs: AuditDocument[]): Promise<void> {
    return insertIgnoringDuplicates(this.audit, docs);
  }

  async queryAudit(q: AuditQuery): Promise<AuditPage> {
    const filter: Document = { _id: { $gt: q.afterSeq ?? 0 } };
    if (q.kind !== undefined) filter.kind = q.kind;
    if (q.memberId !== undefined) filter.memberId = q.memberId;
    if (q.collectionId !== undefined) filter.collectionId = q.collectionId;
    if (q.action !== undefined) filter.action = q.action;
    if (q.since !== undefined || q.until !== undefined) {
      filter.at = { ...(q.since !== undefined ? { $gte: q.since } : {}), ...(q.until !== undefined ? { $lt: q.until } : {}) };
    }
    const docs = (await this.audit.find(filter).sort({ _id: 1 }).limit(q.limit + 1).toArray()) as unknown as AuditDocument[];
    const entries = docs.slice(0, q.limit).map((d) => ({ seq: d._id, ...(JSON.parse(d.json) as AuditEntry) }));
    return { entries, more: docs.length > q.limit };
  }

  /** The highest seq stored in the log (lease recovery). */
  async highestSeq(): Promise<number> {
    const [top] = await this.audit.find({}, { projection: { _id: 1 } }).sort({ _id: -1 }).limit(1).toArray();
    return (top?._id as unknown as number | undefined) ?? 0;
  }
}

/** Numbers an entry with the next seq of the lease holder. */
export function toAuditDocument(e: AuditEntry, holder: LeaseHolder): AuditDocument {
  const { seq: _seq, ...rest } = e;
  return {
    _id: ++holder.seq,
    at: e.at,
    kind: e.kind,
    action: e.action,
    ...(e.memberId !== undefined ? { memberId: e.memberId } : {}),
    ...(e.collectionId !== undefined ? { collectionId: e.collectionId } : {}),
    json: JSON.stringify(rest),
  };
}

// The directory and the audit log in the MongoDB store.
//
// The directory is small and read whole, so it is one document: its records as JSON text
// (record fields are free-form, and MongoDB field names may not hold every character), its
// revision, and an outbox of the audit entries of the change that produced it. Replacing
// that one document is atomic without transactions (FerretDB v1 has none), which gives
// "change and audit entry together": the entries are copied out to the audit collection
// after the replace, idempotently (their _id is their seq), and any left behind by a crash
// are copied by the next reader or writer.
import type { Collection, Document } from 'mongodb';
import { applyInMemory } from '../../directory/changes';
import { DirectoryConflict, type AuditEntry, type AuditQuery, type DirectoryChange, type DirectoryData } from '../../directory/records';
import type { LeaseHolder, WriteLease } from './write-lease';

const DIRECTORY_ID = 'directory';

interface DirectoryDocument {
  _id: string;
  revision: number;
  data: string;
  outbox: AuditDocument[];
}

interface AuditDocument {
  _id: number;
  at: number;
  kind: string;
  action: string;
  memberId?: string;
  collectionId?: string;
  /** The whole entry as JSON: details may hold any key (a query string's parameter names). */
  json: string;
}

const EMPTY: Omit<DirectoryData, 'revision'> = { apiRoots: [], collections: [], members: [], groups: [], credentials: [], acl: [], mous: [] };

export class MongoDirectory {
  constructor(
    private readonly meta: Collection<Document>,
    private readonly audit: Collection<Document>,
    private readonly lease: WriteLease,
  ) {}

  async readRevision(): Promise<number> {
    const doc = await this.meta.findOne({ _id: DIRECTORY_ID } as Document, { projection: { revision: 1 } });
    return (doc?.revision as number | undefined) ?? 0;
  }

  async load(): Promise<DirectoryData> {
    const doc = (await this.meta.findOne({ _id: DIRECTORY_ID } as Document)) as DirectoryDocument | null;
    if (!doc) return { revision: 0, ...structuredClone(EMPTY) };
    if (doc.outbox.length > 0) await this.flushOutbox(doc);
    return { ...structuredClone(EMPTY), ...(JSON.parse(doc.data) as Omit<DirectoryData, 'revision'>), revision: doc.revision };
  }

  apply(changes: DirectoryChange[], audit: AuditEntry[], expected: number): Promise<number> {
    return this.lease.run(async (holder) => {
      const doc = (await this.meta.findOne({ _id: DIRECTORY_ID } as Document)) as DirectoryDocument | null;
      const actual = doc?.revision ?? 0;
      if (actual !== expected) throw new DirectoryConflict(expected, actual);
      if (doc && doc.outbox.length > 0) await this.flushOutbox(doc);
      const current: DirectoryData = doc
        ? { ...structuredClone(EMPTY), ...(JSON.parse(doc.data) as Omit<DirectoryData, 'revision'>), revision: actual }
        : { revision: 0, ...structuredClone(EMPTY) };
      const { revision: _r, ...records } = applyInMemory(current, changes);
      const next: DirectoryDocument = {
        _id: DIRECTORY_ID,
        revision: actual + 1,
        data: JSON.stringify(records),
        outbox: audit.map((e) => toAuditDocument(e, holder)),
      };
      if (doc) {
        // Compare-and-set on the revision: every writer holds the lease, this is a second lock.
        const replaced = await this.meta.replaceOne({ _id: DIRECTORY_ID, revision: expected } as Document, next);
        if (replaced.matchedCount !== 1) throw new DirectoryConflict(expected, await this.readRevision());
      } else {
        try {
          await this.meta.insertOne(next as unknown as Document);
        } catch (e) {
          if ((e as { code?: number }).code === 11000) throw new DirectoryConflict(expected, await this.readRevision());
          throw e;
        }
      }
      await this.flushOutbox(next);
      return next.revision;
    });
  }

  /** Copies a directory document's audit entries to the audit log (idempotent), then empties the outbox. */
  private async flushOutbox(doc: DirectoryDocument): Promise<void> {
    await insertIgnoringDuplicates(this.audit, doc.outbox);
    await this.meta.updateOne({ _id: DIRECTORY_ID, revision: doc.revision } as Document, { $set: { outbox: [] } });
  }

  async append(entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // Under the lease, so that seq order is commit order: an admin paging by seq never
    // passes an entry that another process commits later.
    await this.lease.run(async (holder) => {
      await this.audit.insertMany(entries.map((e) => toAuditDocument(e, holder)) as unknown as Document[], { ordered: true });
    });
  }

  async query(q: AuditQuery): Promise<{ entries: AuditEntry[]; more: boolean }> {
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

  /** The highest audit seq stored (lease recovery). */
  async highestSeq(): Promise<number> {
    const [top] = await this.audit.find({}, { projection: { _id: 1 } }).sort({ _id: -1 }).limit(1).toArray();
    const doc = (await this.meta.findOne({ _id: DIRECTORY_ID } as Document)) as DirectoryDocument | null;
    const outboxTop = Math.max(0, ...(doc?.outbox ?? []).map((e) => e._id));
    return Math.max((top?._id as unknown as number | undefined) ?? 0, outboxTop);
  }
}

function toAuditDocument(e: AuditEntry, holder: LeaseHolder): AuditDocument {
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

/** insertMany where a document already stored (same _id) is not an error. */
export async function insertIgnoringDuplicates(collection: Collection<Document>, docs: object[]): Promise<void> {
  if (docs.length === 0) return;
  try {
    await collection.insertMany(docs as Document[], { ordered: false });
  } catch (e) {
    const errors = (e as { writeErrors?: Array<{ code: number }> | { code: number } }).writeErrors;
    const list = Array.isArray(errors) ? errors : errors ? [errors] : [];
    if (list.length === 0 || list.some((w) => w.code !== 11000)) throw e;
  }
}

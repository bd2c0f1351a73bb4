// The directory in the MongoDB store.
//
// The directory is small and read whole, so it is one document: its records as JSON text
// (record fields are free-form, and MongoDB field names may not hold every character), its
// revision, and an outbox of the audit entries of the change that produced it. Replacing
// that one document is atomic without transactions (FerretDB v1 has none), which gives
// "change and audit entry together": the entries are copied out to the audit log after
// the replace, idempotently (their _id is their seq), and any left behind by a crash are
// copied by the next reader or writer.
import type { Collection, Document } from 'mongodb';
import { applyInMemory } from '../../directory/changes';
import { DirectoryConflict, type AuditEntry, type DirectoryChange, type DirectoryData } from '../../directory/records';
import type { DirectoryStore } from '../directory-store';
import { toAuditDocument, type AuditDocument, type MongoAuditLog } from './mongo-audit';
import { AUDIT_SEQ, DIRECTORY, type WriteLease } from './write-lease';

const DIRECTORY_ID = 'directory';

interface DirectoryDocument {
  _id: string;
  revision: number;
  data: string;
  outbox: AuditDocument[];
}

const EMPTY: Omit<DirectoryData, 'revision'> = { apiRoots: [], collections: [], members: [], groups: [], credentials: [], acl: [], mous: [], termsEpochs: [] };

export class MongoDirectory implements DirectoryStore {
  constructor(
    private readonly meta: Collection<Document>,
    private readonly auditLog: MongoAuditLog,
    private readonly lease: WriteLease,
  ) {}

  async directoryRevision(): Promise<number> {
    const doc = await this.meta.findOne({ _id: DIRECTORY_ID } as Document, { projection: { revision: 1 } });
    return (doc?.revision as number | undefined) ?? 0;
  }

  async loadDirectory(): Promise<DirectoryData> {
    const doc = (await this.meta.findOne({ _id: DIRECTORY_ID } as Document)) as DirectoryDocument | null;
    if (!doc) return { revision: 0, ...structuredClone(EMPTY) };
    if (doc.outbox.length > 0) await this.flushOutbox(doc);
    return { ...structuredClone(EMPTY), ...(JSON.parse(doc.data) as Omit<DirectoryData, 'revision'>), revision: doc.revision };
  }

  applyDirectoryChanges(changes: DirectoryChange[], audit: AuditEntry[], expected: number): Promise<number> {
    // DIRECTORY alone: no write decided under the revision it replaces is in flight, and
    // none starts until it is replaced. AUDIT_SEQ numbers the outbox's entries.
    return this.lease.run({ keys: [DIRECTORY, AUDIT_SEQ] }, async (holder) => {
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
        // Compare-and-set on the revision: every changer holds DIRECTORY, this is a second lock.
        const replaced = await this.meta.replaceOne({ _id: DIRECTORY_ID, revision: expected } as Document, next);
        if (replaced.matchedCount !== 1) throw new DirectoryConflict(expected, await this.directoryRevision());
      } else {
        try {
          await this.meta.insertOne(next as unknown as Document);
        } catch (e) {
          if ((e as { code?: number }).code === 11000) throw new DirectoryConflict(expected, await this.directoryRevision());
          throw e;
        }
      }
      await this.flushOutbox(next);
      return next.revision;
    });
  }

  /** Copies a directory document's audit entries to the audit log (idempotent), then empties the outbox. */
  private async flushOutbox(doc: DirectoryDocument): Promise<void> {
    await this.auditLog.copyIn(doc.outbox);
    await this.meta.updateOne({ _id: DIRECTORY_ID, revision: doc.revision } as Document, { $set: { outbox: [] } });
  }

  /** The highest audit seq waiting in the outbox (lease recovery). */
  async highestOutboxSeq(): Promise<number> {
    const doc = (await this.meta.findOne({ _id: DIRECTORY_ID } as Document)) as DirectoryDocument | null;
    return Math.max(0, ...(doc?.outbox ?? []).map((e) => e._id));
  }
}

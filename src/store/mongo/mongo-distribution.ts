// Distribution bookkeeping in the MongoDB store: pending ranges of base versions, the
// deferred decisions (numbered under the lease of their seq), the providers' releases, and
// deleting readers' rows.
import type { Collection, Db, Document } from 'mongodb';
import type { ClassBuild, DeferredDecision, DerivedVersions, DistributionLedger, PendingVersion } from '../distribution-ledger';
import type { ObjectDocument, PendingDocument } from './mongo-documents';
import { insertIgnoringDuplicates } from './mongo-idempotent-insert';
import { CLASS_BUILDS, DEFERRED, OBJECTS, PENDING, RELEASES } from './mongo-indexes';
import type { MongoObjects } from './mongo-objects';
import { DEFERRED_SEQ, partitionKey, type WriteLease } from './write-lease';

interface DeferredDocument {
  _id: number;
  reader: string;
  bc: string;
  oid: string;
  vk: string;
  dueAt?: number;
  waitingFor?: string;
}

export class MongoDistributionLedger implements DistributionLedger {
  private readonly objectVersions: Collection<Document>;
  private readonly ranges: Collection<Document>;
  private readonly deferred: Collection<Document>;
  private readonly releases: Collection<Document>;
  private readonly builds: Collection<Document>;

  constructor(
    db: Db,
    private readonly lease: WriteLease,
    private readonly objects: MongoObjects,
  ) {
    this.objectVersions = db.collection(OBJECTS);
    this.ranges = db.collection(PENDING);
    this.deferred = db.collection(DEFERRED);
    this.releases = db.collection(RELEASES);
    this.builds = db.collection(CLASS_BUILDS);
  }

  async putClassBuilds(builds: ClassBuild[]): Promise<void> {
    for (const b of builds) {
      await this.builds.updateOne({ _id: b.classId } as Document, { $set: { json: JSON.stringify(b), createdAt: b.createdAt } }, { upsert: true });
    }
  }

  async classBuilds(): Promise<ClassBuild[]> {
    const docs = await this.builds.find({}).sort({ createdAt: 1, _id: 1 }).toArray();
    return docs.map((d) => JSON.parse(d.json as string) as ClassBuild);
  }

  async claimClassBuild(classId: string, owner: string, until: number, now: number): Promise<boolean> {
    // One conditional update: whoever matches first holds the job until `until`.
    const filter = { _id: classId, $or: [{ claimedBy: { $exists: false } }, { claimedBy: owner }, { claimedUntil: { $lt: now } }] };
    const r = await this.builds.updateOne(filter as Document, { $set: { claimedBy: owner, claimedUntil: until } });
    return r.matchedCount === 1;
  }

  async finishClassBuild(classId: string): Promise<void> {
    await this.builds.deleteOne({ _id: classId } as Document);
  }

  async pendingVersions(limit: number): Promise<PendingVersion[]> {
    const out: PendingVersion[] = [];
    for (const r of (await this.ranges.find({}).sort({ from: 1 }).limit(limit).toArray()) as unknown as PendingDocument[]) {
      const docs = (await this.objectVersions
        .find({ c: r.c, da: { $gte: r.from, $lte: r.to } })
        .sort({ da: 1 })
        .limit(limit - out.length)
        .toArray()) as unknown as ObjectDocument[];
      // A range whose objects were never written (a crash between the two writes): nothing to distribute.
      if (docs.length === 0) await this.dropEmptyRange(r);
      for (const d of docs) {
        out.push({
          collectionId: d.c,
          id: d.oid,
          type: d.type,
          version: d.v,
          versionKey: d.vk,
          specVersion: d.sv,
          dateAdded: d.da,
          ...(d.p !== undefined ? { provider: d.p } : {}),
          json: d.json,
        });
      }
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * Under the collection's lease: a writer holding it stores a range before its objects, so
   * a range seen empty without the lease may be one whose objects are being written.
   */
  private dropEmptyRange(r: PendingDocument): Promise<void> {
    return this.lease.run({ keys: [partitionKey(r.c)] }, async () => {
      if ((await this.objectVersions.findOne({ c: r.c, da: { $gte: r.from, $lte: r.to } }, { projection: { _id: 1 } })) !== null) return;
      await this.ranges.deleteOne({ _id: r._id } as Document);
    });
  }

  async settleVersions(collectionId: string, fromDateAdded: number, toDateAdded: number): Promise<void> {
    // Every range overlapping [from, to] loses that part (recovery settles a range page by page).
    const ranges = this.ranges;
    const hit = (await ranges.find({ c: collectionId, from: { $lte: toDateAdded }, to: { $gte: fromDateAdded } }).toArray()) as unknown as PendingDocument[];
    for (const r of hit) {
      const before = r.from < fromDateAdded ? { from: r.from, to: fromDateAdded - 1 } : undefined;
      const after = r.to > toDateAdded ? { from: toDateAdded + 1, to: r.to } : undefined;
      if (after) await ranges.insertOne({ _id: `${collectionId}\u0000${after.from}`, c: collectionId, ...after } as unknown as Document);
      if (before) await ranges.updateOne({ _id: r._id } as Document, { $set: { to: before.to } });
      else await ranges.deleteOne({ _id: r._id } as Document);
    }
  }

  async addDeferred(items: DeferredDecision[]): Promise<void> {
    if (items.length === 0) return;
    // Under the lease of the seq: decisions are taken oldest first.
    await this.lease.run({ keys: [DEFERRED_SEQ] }, async (holder) => {
      const docs: DeferredDocument[] = items.map((d) => ({
        _id: ++holder.seq,
        reader: d.reader,
        bc: d.baseCollection,
        oid: d.objectId,
        vk: d.versionKey,
        ...(d.dueAt !== undefined ? { dueAt: d.dueAt } : {}),
        ...(d.waitingFor !== undefined ? { waitingFor: d.waitingFor } : {}),
      }));
      await this.deferred.insertMany(docs as unknown as Document[], { ordered: true });
    });
  }

  takeDueDeferred(now: number, limit: number): Promise<DeferredDecision[]> {
    return this.take({ dueAt: { $lte: now } }, { dueAt: 1, _id: 1 }, limit);
  }

  takeWaitingFor(reader: string, objectIds: string[]): Promise<DeferredDecision[]> {
    if (objectIds.length === 0) return Promise.resolve([]);
    return this.take({ reader, waitingFor: { $in: objectIds } }, { _id: 1 });
  }

  takeDeferredForObjects(objectIds: string[]): Promise<DeferredDecision[]> {
    if (objectIds.length === 0) return Promise.resolve([]);
    return this.take({ oid: { $in: [...new Set(objectIds)] }, dueAt: { $exists: true } }, { _id: 1 });
  }

  /** Removes and returns matching decisions; under the seq's lease, so that two processes never both take one. */
  private take(filter: Document, sort: Document, limit?: number): Promise<DeferredDecision[]> {
    return this.lease.run({ keys: [DEFERRED_SEQ] }, async () => {
      let cursor = this.deferred.find(filter).sort(sort);
      if (limit !== undefined) cursor = cursor.limit(limit);
      const docs = (await cursor.toArray()) as unknown as DeferredDocument[];
      if (docs.length > 0) await this.deferred.deleteMany({ _id: { $in: docs.map((d) => d._id) } } as Document);
      return docs.map((d) => ({
        reader: d.reader,
        baseCollection: d.bc,
        objectId: d.oid,
        versionKey: d.vk,
        ...(d.dueAt !== undefined && d.dueAt !== null ? { dueAt: d.dueAt } : {}),
        ...(d.waitingFor !== undefined && d.waitingFor !== null ? { waitingFor: d.waitingFor } : {}),
      }));
    });
  }

  async addReleases(provider: string, objectIds: string[]): Promise<void> {
    const docs = [...new Set(objectIds)].map((oid) => ({ _id: `${provider}\u0000${oid}`, provider, oid }));
    await insertIgnoringDuplicates(this.releases, docs);
  }

  async releasedAmong(provider: string, objectIds: string[]): Promise<Set<string>> {
    const ids = [...new Set(objectIds)].map((oid) => `${provider}\u0000${oid}`);
    if (ids.length === 0) return new Set();
    const found = await this.releases.find({ _id: { $in: ids } } as Document, { projection: { oid: 1 } }).toArray();
    return new Set(found.map((d) => d.oid as string));
  }

  async clearDeferred(reader: string): Promise<void> {
    await this.deferred.deleteMany({ reader });
  }

  deleteDerivedIn(items: DerivedVersions[]): Promise<number> {
    const wanted = items.filter((i) => i.versionKeys.length > 0);
    if (wanted.length === 0) return Promise.resolve(0);
    return this.lease.run({ keys: wanted.map((i) => partitionKey(i.partition)) }, async () => {
      let deleted = 0;
      for (const i of wanted) deleted += await this.objects.deleteDerivedHolding(i);
      return deleted;
    });
  }

  /** The highest deferred-decision seq stored (lease recovery). */
  async highestSeq(): Promise<number> {
    const [top] = await this.deferred.find({}, { projection: { _id: 1 } }).sort({ _id: -1 }).limit(1).toArray();
    return (top?._id as unknown as number | undefined) ?? 0;
  }
}

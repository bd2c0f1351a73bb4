// Objects in the MongoDB store: versions per partition (a base collection or a reader's
// view). Every write that hands out date_added, or recomputes the first/last flags,
// holds the lease of each partition it writes (write-lease.ts says why).
import type { AnyBulkWriteOperation, Collection, Db, Document } from 'mongodb';
import type {
  AddOutcome,
  AddToManyOptions,
  NewObjectVersion,
  ObjectQuery,
  ObjectStore,
  PartitionBatch,
  QueryPage,
  VersionSelector,
} from '../object-store';
import type { DerivedVersions } from '../distribution-ledger';
import { DirectoryConflict } from '../../directory/records';
import { formatMicros, nowMicros, versionKey } from '../../vocabulary/time';
import { VariantHashes } from '../variant-hashes';
import type { ObjectDocument, PendingDocument } from './mongo-documents';
import { CLOCKS, OBJECTS, PENDING, VARIANTS } from './mongo-indexes';
import { objectFilter, queryObjectPage } from './mongo-object-query';
import { partitionKey, type WriteLease } from './write-lease';

type KnownVersion = { vk: string; v: string; p: string | undefined };

export class MongoObjects implements ObjectStore {
  private readonly objects: Collection<Document>;
  private readonly variants: Collection<Document>;
  /** Hashes of forms seen recently (a publish fans one form out to many readers). */
  private readonly variantHashes = new VariantHashes();

  constructor(
    private readonly db: Db,
    private readonly lease: WriteLease,
    private readonly directory: { directoryRevision(): Promise<number> },
  ) {
    this.objects = db.collection(OBJECTS);
    this.variants = db.collection(VARIANTS);
  }

  async addObjects(partition: string, versions: NewObjectVersion[]): Promise<AddOutcome[]> {
    if (versions.length === 0) return [];
    const [outcomes] = await this.addObjectsToMany([{ partition, versions }]);
    return outcomes as AddOutcome[];
  }

  /** `recoverable` changes nothing here: every write is acknowledged with the URI's write concern. */
  addObjectsToMany(batches: PartitionBatch[], { directoryRevision }: AddToManyOptions = {}): Promise<AddOutcome[][]> {
    const nonEmpty = batches.filter((b) => b.versions.length > 0);
    if (nonEmpty.length === 0) return Promise.resolve(batches.map(() => []));
    const keys = nonEmpty.map((b) => partitionKey(b.partition));
    // With a revision: DIRECTORY shared, so that the revision cannot move until this write is done.
    return this.lease.run({ keys, directoryStable: directoryRevision !== undefined }, async () => {
      if (directoryRevision !== undefined) {
        const actual = await this.directory.directoryRevision();
        if (actual !== directoryRevision) throw new DirectoryConflict(directoryRevision, actual);
      }
      return this.addHolding(batches);
    });
  }

  /**
   * One read of the versions already stored for every object in the batches and of the
   * partitions' clocks, one write of the clocks, one of the variants, one ordered bulk
   * write of the objects: a fixed number of round trips however many objects and views.
   *
   * date_added is unique and increasing per partition (a reader's view keeps its base
   * row's date_added when it can, as in the embedded store). The clocks are advanced
   * before the objects are written: a crash in between leaves a clock ahead of the data
   * (a gap), never behind it. Inserts come before the flag updates that follow from them,
   * so a crash in between leaves an object with two "last" versions (both served) rather
   * than none; the next version of that object sets its flags right again.
   */
  private async addHolding(batches: PartitionBatch[]): Promise<AddOutcome[][]> {
    const [known, clocks] = await Promise.all([this.knownVersions(batches), this.clocksOf(batches)]);
    const advanced = new Set<string>();
    const pending = new Map<string, { from: number; to: number }>();
    const inserts: ObjectDocument[] = [];
    const variants = new Map<string, string>();
    // Per object: the version key that must end up first / last (older flags are cleared).
    const firstOf = new Map<string, { c: string; oid: string; vk: string }>();
    const lastOf = new Map<string, { c: string; oid: string; vk: string }>();
    const results = batches.map((b) =>
      b.versions.map((v): AddOutcome => {
        const objectKey = `${b.partition}\u0000${v.id}`;
        let stored = known.get(objectKey);
        if (stored && stored.length > 0) {
          // Unversioned (no modified/created): the date_added of the provider's first copy is
          // its version (TAXII 2.1 §5.3.1 "a value for the version that is consistent to the
          // server"); each provider's copy is its own version, as in the embedded store.
          const existing = v.version === undefined ? stored.find((s) => s.p === v.provider) : stored.find((s) => s.vk === v.versionKey);
          // TAXII 2.1 §5.5: an exact duplicate is never an error, and adds no version.
          if (existing) return { outcome: 'duplicate', version: existing.v };
        }
        const dateAdded = Math.max(v.dateAdded ?? nowMicros(), (clocks.get(b.partition) ?? 0) + 1);
        clocks.set(b.partition, dateAdded);
        advanced.add(b.partition);
        const version = v.version ?? formatMicros(dateAdded);
        const vk = v.versionKey ?? (versionKey(version) as string);
        if (!stored) known.set(objectKey, (stored = []));
        const isFirst = stored.every((s) => vk < s.vk);
        const isLast = stored.every((s) => vk > s.vk);
        if (isFirst && stored.length > 0) firstOf.set(objectKey, { c: b.partition, oid: v.id, vk });
        if (isLast && stored.length > 0) lastOf.set(objectKey, { c: b.partition, oid: v.id, vk });
        stored.push({ vk, v: version, p: v.provider });
        if (v.pending) {
          const range = pending.get(b.partition);
          if (range) range.to = dateAdded;
          else pending.set(b.partition, { from: dateAdded, to: dateAdded });
        }
        const derived = v.baseCollection !== undefined;
        let variant: string | undefined;
        if (derived && v.json !== '') {
          variant = this.variantHashes.hashOf(v.json);
          variants.set(variant, v.json);
        }
        inserts.push({
          c: b.partition,
          oid: v.id,
          type: v.type,
          v: version,
          vk,
          sv: v.specVersion,
          da: dateAdded,
          first: isFirst,
          last: isLast,
          json: derived ? '' : v.json,
          ...(v.provider !== undefined ? { p: v.provider } : {}),
          ...(v.baseCollection !== undefined ? { bc: v.baseCollection } : {}),
          ...(v.baseObjectId !== undefined ? { bo: v.baseObjectId } : {}),
          ...(variant !== undefined ? { var: variant } : {}),
        });
        return { outcome: 'added', version, dateAdded };
      }),
    );
    if (advanced.size > 0) {
      await this.db.collection(CLOCKS).bulkWrite(
        [...advanced].map((c) => ({ updateOne: { filter: { _id: c } as Document, update: { $max: { last: clocks.get(c) } }, upsert: true } })),
        { ordered: false },
      );
    }
    if (pending.size > 0) {
      // Before the objects: a crash in between leaves a range with nothing (or part) in it,
      // which recovery distributes or drops; never objects that no range names.
      const docs: PendingDocument[] = [...pending].map(([c, r]) => ({ _id: `${c}\u0000${r.from}`, c, from: r.from, to: r.to }));
      await this.db.collection(PENDING).insertMany(docs as unknown as Document[], { ordered: false });
    }
    if (variants.size > 0) {
      // Before the rows that name them, so that no row ever points at a form not stored.
      await this.variants.bulkWrite(
        [...variants].map(([hash, json]) => ({
          updateOne: { filter: { _id: hash } as Document, update: { $setOnInsert: { json } }, upsert: true },
        })),
        { ordered: false },
      );
    }
    const ops: AnyBulkWriteOperation<Document>[] = inserts.map((document) => ({ insertOne: { document } }));
    for (const f of firstOf.values()) {
      ops.push({ updateMany: { filter: { c: f.c, oid: f.oid, first: true, vk: { $ne: f.vk } }, update: { $set: { first: false } } } });
    }
    for (const l of lastOf.values()) {
      ops.push({ updateMany: { filter: { c: l.c, oid: l.oid, last: true, vk: { $ne: l.vk } }, update: { $set: { last: false } } } });
    }
    if (ops.length > 0) await this.objects.bulkWrite(ops, { ordered: true });
    return results;
  }

  /** The last date_added handed out in each partition of the batches. */
  private async clocksOf(batches: PartitionBatch[]): Promise<Map<string, number>> {
    const partitions = [...new Set(batches.filter((b) => b.versions.length > 0).map((b) => b.partition))];
    const docs = await this.db.collection(CLOCKS).find({ _id: { $in: partitions } } as Document).toArray();
    return new Map(docs.map((d) => [d._id as unknown as string, d.last as number]));
  }

  /** The versions stored of every object in the batches, by `partition \0 id`. */
  private async knownVersions(batches: PartitionBatch[]): Promise<Map<string, KnownVersion[]>> {
    const clauses = batches
      .filter((b) => b.versions.length > 0)
      .map((b) => ({ c: b.partition, oid: { $in: [...new Set(b.versions.map((v) => v.id))] } }));
    const filter = clauses.length === 1 ? (clauses[0] as Document) : { $or: clauses };
    const known = new Map<string, KnownVersion[]>();
    // Sorted by date_added, so that an unversioned object's first copy comes first.
    const cursor = this.objects.find(filter, { projection: { _id: 0, c: 1, oid: 1, vk: 1, v: 1, p: 1 } }).sort({ da: 1 });
    for await (const d of cursor) {
      const k = `${d.c as string}\u0000${d.oid as string}`;
      let list = known.get(k);
      if (!list) known.set(k, (list = []));
      list.push({ vk: d.vk as string, v: d.v as string, p: (d.p as string | null | undefined) ?? undefined });
    }
    return known;
  }

  queryObjects(q: ObjectQuery): Promise<QueryPage> {
    return queryObjectPage(this.objects, this.variants, q);
  }

  async hasObject(partition: string, objectId: string): Promise<boolean> {
    return (await this.objects.findOne({ c: partition, oid: objectId }, { projection: { _id: 1 } })) !== null;
  }

  async presentAmong(partition: string, objectIds: string[]): Promise<Set<string>> {
    const unique = [...new Set(objectIds)];
    if (unique.length === 0) return new Set();
    const found = await this.objects.distinct('oid', { c: partition, oid: { $in: unique } });
    return new Set(found as string[]);
  }

  redate(partition: string, versions: ReadonlyArray<{ id: string; versionKey: string }>): Promise<number> {
    if (versions.length === 0) return Promise.resolve(0);
    return this.lease.run({ keys: [partitionKey(partition)] }, async () => {
      const clock = await this.db.collection(CLOCKS).findOne({ _id: partition } as Document);
      let last = (clock?.last as number | undefined) ?? 0;
      let found = 0;
      for (const v of versions) {
        const dateAdded = Math.max(nowMicros(), last + 1);
        const r = await this.objects.updateOne({ c: partition, oid: v.id, vk: v.versionKey }, { $set: { da: dateAdded } });
        if (r.matchedCount === 0) continue;
        last = dateAdded;
        found++;
      }
      await this.db.collection(CLOCKS).updateOne({ _id: partition } as Document, { $max: { last } }, { upsert: true });
      return found;
    });
  }

  deleteVersions(partition: string, versions: ReadonlyArray<{ id: string; versionKey: string }>): Promise<number> {
    if (versions.length === 0) return Promise.resolve(0);
    // Under the partition's lease: the first/last flags are recomputed, and must not race an insert.
    return this.lease.run({ keys: [partitionKey(partition)] }, async () => {
      const byObject = new Map<string, string[]>();
      for (const v of versions) byObject.set(v.id, [...(byObject.get(v.id) ?? []), v.versionKey]);
      const ops = [...byObject].map(([oid, keys]) => ({ deleteMany: { filter: { c: partition, oid, vk: { $in: keys } } } }));
      const { deletedCount } = await this.objects.bulkWrite(ops, { ordered: false });
      for (const oid of byObject.keys()) await this.refreshFlags(partition, oid);
      return deletedCount;
    });
  }

  dropPartition(partition: string): Promise<number> {
    return this.lease.run({ keys: [partitionKey(partition)] }, async () => {
      const { deletedCount } = await this.objects.deleteMany({ c: partition });
      await this.db.collection(CLOCKS).deleteOne({ _id: partition } as Document);
      return deletedCount;
    });
  }

  deleteObject(partition: string, objectId: string, versions: VersionSelector, specVersions?: string[]): Promise<number> {
    const filter = objectFilter(partition, versions, specVersions);
    if (!filter) return Promise.resolve(0);
    filter.oid = objectId;
    // Under the partition's lease: the first/last flags are recomputed, and must not race an insert.
    return this.lease.run({ keys: [partitionKey(partition)] }, async () => {
      const { deletedCount } = await this.objects.deleteMany(filter);
      if (deletedCount > 0) await this.refreshFlags(partition, objectId);
      return deletedCount;
    });
  }

  /** Deletes derived rows of one object; the caller holds the partition's lease (DistributionLedger.deleteDerivedIn). */
  async deleteDerivedHolding(item: DerivedVersions): Promise<number> {
    const { partition, objectId, versionKeys, baseCollection } = item;
    const r = await this.objects.deleteMany({ c: partition, oid: objectId, vk: { $in: versionKeys }, bc: baseCollection });
    if (r.deletedCount > 0) await this.refreshFlags(partition, objectId);
    return r.deletedCount;
  }

  /** Sets first/last on the remaining versions of an object (no pipeline updates: FerretDB v1 has none). */
  private async refreshFlags(partition: string, objectId: string): Promise<void> {
    const keys = (await this.objects.find({ c: partition, oid: objectId }, { projection: { _id: 0, vk: 1 } }).toArray()).map((d) => d.vk as string);
    if (keys.length === 0) return;
    keys.sort();
    const lo = keys[0] as string;
    const hi = keys[keys.length - 1] as string;
    const c = partition;
    const oid = objectId;
    await this.objects.bulkWrite(
      [
        { updateMany: { filter: { c, oid, vk: lo, first: false }, update: { $set: { first: true } } } },
        { updateMany: { filter: { c, oid, vk: { $ne: lo }, first: true }, update: { $set: { first: false } } } },
        { updateMany: { filter: { c, oid, vk: hi, last: false }, update: { $set: { last: true } } } },
        { updateMany: { filter: { c, oid, vk: { $ne: hi }, last: true }, update: { $set: { last: false } } } },
      ],
      { ordered: true },
    );
  }
}

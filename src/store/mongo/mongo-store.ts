// The production store: MongoDB through the official driver, so that several stateless
// Concord processes can serve one replica set (docs/scaling.md).
//
// It passes the same contract suite as the embedded store (test/store/store-contract.ts)
// and is tested against a real wire-protocol server, FerretDB v1 with its SQLite backend.
// FerretDB v1 lacks multi-document transactions, TTL and partial indexes, $lookup and
// pipeline updates; nothing here needs them (each place says how it does without), so
// the same code runs on MongoDB 6, 7 and 8.
//
// Durability: writes use write concern `majority` with journaling unless the URI says
// otherwise, and reads go to the primary, so a 202 whose status reports success means the
// objects are durable and every process reads them.
import { VariantHashes } from '../variant-hashes';
import { MongoClient, type AnyBulkWriteOperation, type Collection, type Db, type Document, type Filter } from 'mongodb';
import type {
  AddOutcome,
  AddToManyOptions,
  DeferredDecision,
  NewObjectVersion,
  ObjectQuery,
  PendingVersion,
  QueryPage,
  Store,
  StoredStatus,
  StoredVersion,
  VersionSelector,
} from '../store';
import { DirectoryConflict, type AuditEntry, type AuditQuery, type DirectoryChange, type DirectoryData } from '../../directory/records';
import { formatMicros, nowMicros, versionKey } from '../../vocabulary/time';
import { AUDIT, CLOCKS, DEFERRED, META, OBJECTS, PENDING, RELEASES, SETTINGS, STATUSES, VARIANTS, indexDefinitions } from './mongo-indexes';
import { MongoDirectory, insertIgnoringDuplicates } from './mongo-directory';
import { WriteLease } from './write-lease';

/** An object version as stored (see mongo-indexes.ts for the field names). */
interface ObjectDocument {
  c: string;
  oid: string;
  type: string;
  v: string;
  vk: string;
  sv: string;
  da: number;
  first: boolean;
  last: boolean;
  json: string;
  p?: string;
  bc?: string;
  bo?: string;
  var?: string;
}

/** Base versions of one write not yet distributed: `c`'s objects with date_added in [from, to]. */
interface PendingDocument {
  _id: string;
  c: string;
  from: number;
  to: number;
}

interface DeferredDocument {
  _id: number;
  reader: string;
  bc: string;
  oid: string;
  vk: string;
  dueAt?: number;
  waitingFor?: string;
}

export interface MongoStoreOptions {
  /** Statuses older than this expire (a TTL index where the server has them). */
  statusRetentionSeconds?: number;
  /** Write-lease validity without renewal (ms), see write-lease.ts. */
  leaseTtlMs?: number;
}

type Batch = { partition: string; versions: NewObjectVersion[] };

export class MongoStore implements Store {
  private readonly objects: Collection<Document>;
  private readonly lease: WriteLease;
  private readonly directory: MongoDirectory;
  /** Hashes of forms seen recently (a publish fans one form out to many readers). */
  private readonly variantHashes = new VariantHashes();
  /** Whether the server built the statuses TTL index (otherwise only purgeStatuses expires them). */
  ttlIndex = false;

  private constructor(
    private readonly client: MongoClient,
    readonly db: Db,
    options: MongoStoreOptions,
  ) {
    this.objects = db.collection(OBJECTS);
    this.lease = new WriteLease(db.collection(META), {
      ...(options.leaseTtlMs !== undefined ? { ttlMs: options.leaseTtlMs } : {}),
      recover: () => this.highestSeq(),
    });
    this.directory = new MongoDirectory(db.collection(META), db.collection(AUDIT), this.lease);
  }

  /** Connects, checks the server answers, and creates the indexes (idempotent). */
  static async open(uri: string, database: string, options: MongoStoreOptions = {}): Promise<MongoStore> {
    const client = new MongoClient(uri, {
      // Unless the URI chooses: acknowledged by a majority and journaled (a 202 means durable),
      // and read from the primary (keyset paging must see every acknowledged write).
      ...(/[?&]w=/.test(uri) ? {} : { writeConcern: { w: 'majority', journal: true } }),
      ...(/[?&]readPreference=/.test(uri) ? {} : { readPreference: 'primary' }),
      serverSelectionTimeoutMS: 10_000,
      appName: 'concord',
    });
    await client.connect();
    const store = new MongoStore(client, client.db(database), options);
    try {
      await store.ping();
      await store.ensureIndexes(options.statusRetentionSeconds ?? 7 * 24 * 3600);
    } catch (e) {
      await client.close();
      throw e;
    }
    return store;
  }

  private async ensureIndexes(statusRetentionSeconds: number): Promise<void> {
    for (const d of indexDefinitions(statusRetentionSeconds)) {
      try {
        await this.db.collection(d.collection).createIndex(d.key, d.options);
        if (d.options.expireAfterSeconds !== undefined) this.ttlIndex = true;
      } catch (e) {
        // FerretDB v1: "Index option expireAfterSeconds is not implemented yet" (code 238).
        // The periodic purgeStatuses (main.ts) expires statuses there.
        if (d.optional && (e as { code?: number }).code === 238) continue;
        // The retention changed since the TTL index was made: change it in place.
        if (d.options.expireAfterSeconds !== undefined && (e as { code?: number }).code === 85) {
          await this.db.command({ collMod: d.collection, index: { name: d.options.name, expireAfterSeconds: d.options.expireAfterSeconds } });
          this.ttlIndex = true;
          continue;
        }
        throw e;
      }
    }
  }

  // --- the directory and the audit log -------------------------------------------------

  directoryRevision(): Promise<number> {
    return this.directory.readRevision();
  }

  loadDirectory(): Promise<DirectoryData> {
    return this.directory.load();
  }

  applyDirectoryChanges(changes: DirectoryChange[], audit: AuditEntry[], expectedRevision: number): Promise<number> {
    return this.directory.apply(changes, audit, expectedRevision);
  }

  appendAudit(entries: AuditEntry[]): Promise<void> {
    return this.directory.append(entries);
  }

  queryAudit(query: AuditQuery): Promise<{ entries: AuditEntry[]; more: boolean }> {
    return this.directory.query(query);
  }

  // --- objects ---------------------------------------------------------------------------

  async addObjects(collectionId: string, versions: NewObjectVersion[]): Promise<AddOutcome[]> {
    if (versions.length === 0) return [];
    const [outcomes] = await this.addObjectsToMany([{ partition: collectionId, versions }]);
    return outcomes as AddOutcome[];
  }

  addObjectsToMany(batches: Batch[], { directoryRevision }: AddToManyOptions = {}): Promise<AddOutcome[][]> {
    const nonEmpty = batches.filter((b) => b.versions.length > 0);
    if (nonEmpty.length === 0) return Promise.resolve(batches.map(() => []));
    return this.lease.run(async () => {
      // Directory changes take the lease too: the revision cannot move until this write is done.
      if (directoryRevision !== undefined) {
        const actual = await this.directory.readRevision();
        if (actual !== directoryRevision) throw new DirectoryConflict(directoryRevision, actual);
      }
      return this.addHolding(batches);
    });
  }

  /**
   * One read of the versions already stored for every object in the batches and of the
   * collections' clocks, one write of the clocks, one of the variants, one ordered bulk
   * write of the objects: a fixed number of round trips however many objects and views.
   *
   * date_added is unique and increasing per collection (a reader's view keeps its base
   * row's date_added when it can, as in the embedded store). The clocks are advanced
   * before the objects are written: a crash in between leaves a clock ahead of the data
   * (a gap), never behind it. Inserts come before the flag updates that follow from them,
   * so a crash in between leaves an object with two "last" versions (both served) rather
   * than none; the next version of that object sets its flags right again.
   */
  private async addHolding(batches: Batch[]): Promise<AddOutcome[][]> {
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
      await this.db.collection(VARIANTS).bulkWrite(
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

  /** The last date_added handed out in each collection of the batches. */
  private async clocksOf(batches: Batch[]): Promise<Map<string, number>> {
    const ids = [...new Set(batches.filter((b) => b.versions.length > 0).map((b) => b.partition))];
    const docs = await this.db.collection(CLOCKS).find({ _id: { $in: ids } } as Document).toArray();
    return new Map(docs.map((d) => [d._id as unknown as string, d.last as number]));
  }

  /** The versions stored of every object in the batches, by `collection \0 id`. */
  private async knownVersions(batches: Batch[]): Promise<Map<string, Array<{ vk: string; v: string; p: string | undefined }>>> {
    const clauses = batches
      .filter((b) => b.versions.length > 0)
      .map((b) => ({ c: b.partition, oid: { $in: [...new Set(b.versions.map((v) => v.id))] } }));
    const filter = clauses.length === 1 ? (clauses[0] as Document) : { $or: clauses };
    const known = new Map<string, Array<{ vk: string; v: string; p: string | undefined }>>();
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

  async queryObjects(q: ObjectQuery): Promise<QueryPage> {
    const filter = objectFilter(q.partition, q.versions, q.specVersions);
    if (!filter) return { records: [], more: false };
    const lowerBound = Math.max(q.addedAfter ?? -Infinity, q.after ?? -Infinity);
    if (Number.isFinite(lowerBound)) filter.da = { $gt: lowerBound };
    if (q.ids) filter.oid = { $in: q.ids };
    // Types are ORed; MongoDB merges one (c, type, da) range per type in date_added order.
    if (q.types) filter.type = { $in: [...new Set(q.types)] };
    const projection: Document = { _id: 0, oid: 1, type: 1, v: 1, sv: 1, da: 1, p: 1 };
    if (q.withJson) Object.assign(projection, { json: 1, vk: 1, bc: 1, var: 1 });
    const docs = (await this.objects.find(filter, { projection }).sort({ da: 1 }).limit(q.limit + 1).toArray()) as unknown as ObjectDocument[];
    const more = docs.length > q.limit;
    const page = docs.slice(0, q.limit);
    if (q.withJson) await this.resolveJson(page);
    const records: StoredVersion[] = page.map((d) => ({
      id: d.oid,
      type: d.type,
      version: d.v,
      specVersion: d.sv,
      dateAdded: d.da,
      ...(d.p !== undefined && d.p !== null ? { provider: d.p } : {}),
      ...(q.withJson ? { json: d.json } : {}),
    }));
    return { records, more };
  }

  /**
   * A derived (per-reader) row without JSON of its own serves its base row's, or its stored
   * variant: looked up in one query each for the page (no $lookup: FerretDB v1 has none).
   */
  private async resolveJson(page: ObjectDocument[]): Promise<void> {
    const fromBase = page.filter((d) => d.json === '' && d.var === undefined && d.bc !== undefined);
    const fromVariant = page.filter((d) => d.json === '' && d.var !== undefined);
    if (fromBase.length > 0) {
      const base = await this.objects
        .find({ $or: fromBase.map((d) => ({ c: d.bc, oid: d.oid, vk: d.vk })) }, { projection: { _id: 0, c: 1, oid: 1, vk: 1, json: 1 } })
        .toArray();
      const byKey = new Map(base.map((b) => [`${b.c as string}\u0000${b.oid as string}\u0000${b.vk as string}`, b.json as string]));
      for (const d of fromBase) d.json = byKey.get(`${d.bc as string}\u0000${d.oid}\u0000${d.vk}`) ?? '';
    }
    if (fromVariant.length > 0) {
      const hashes = [...new Set(fromVariant.map((d) => d.var as string))];
      const forms = await this.db.collection(VARIANTS).find({ _id: { $in: hashes } } as Document).toArray();
      const byHash = new Map(forms.map((f) => [f._id as unknown as string, f.json as string]));
      for (const d of fromVariant) d.json = byHash.get(d.var as string) ?? '';
    }
  }

  async hasObject(collectionId: string, objectId: string): Promise<boolean> {
    return (await this.objects.findOne({ c: collectionId, oid: objectId }, { projection: { _id: 1 } })) !== null;
  }

  async presentAmong(collectionId: string, objectIds: string[]): Promise<Set<string>> {
    const unique = [...new Set(objectIds)];
    if (unique.length === 0) return new Set();
    const found = await this.objects.distinct('oid', { c: collectionId, oid: { $in: unique } });
    return new Set(found as string[]);
  }

  deleteObject(collectionId: string, objectId: string, versions: VersionSelector, specVersions?: string[]): Promise<number> {
    const filter = objectFilter(collectionId, versions, specVersions);
    if (!filter) return Promise.resolve(0);
    filter.oid = objectId;
    // Under the lease: the first/last flags are recomputed, and must not race an insert.
    return this.lease.run(async () => {
      const { deletedCount } = await this.objects.deleteMany(filter);
      if (deletedCount > 0) await this.refreshFlags(collectionId, objectId);
      return deletedCount;
    });
  }

  deleteDerivedIn(items: Array<{ partition: string; objectId: string; versionKeys: string[]; baseCollection: string }>): Promise<number> {
    const wanted = items.filter((i) => i.versionKeys.length > 0);
    if (wanted.length === 0) return Promise.resolve(0);
    return this.lease.run(async () => {
      let deleted = 0;
      for (const i of wanted) {
        const r = await this.objects.deleteMany({ c: i.partition, oid: i.objectId, vk: { $in: i.versionKeys }, bc: i.baseCollection });
        if (r.deletedCount > 0) {
          deleted += r.deletedCount;
          await this.refreshFlags(i.partition, i.objectId);
        }
      }
      return deleted;
    });
  }

  /** Sets first/last on the remaining versions of an object (no pipeline updates: FerretDB v1 has none). */
  private async refreshFlags(collectionId: string, objectId: string): Promise<void> {
    const keys = (await this.objects.find({ c: collectionId, oid: objectId }, { projection: { _id: 0, vk: 1 } }).toArray()).map((d) => d.vk as string);
    if (keys.length === 0) return;
    keys.sort();
    const lo = keys[0] as string;
    const hi = keys[keys.length - 1] as string;
    const c = collectionId;
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

  // --- distribution bookkeeping (src/sharing) ----------------------------------------------

  async pendingVersions(limit: number): Promise<PendingVersion[]> {
    const ranges = this.db.collection(PENDING);
    const out: PendingVersion[] = [];
    for (const r of (await ranges.find({}).sort({ from: 1 }).limit(limit).toArray()) as unknown as PendingDocument[]) {
      const docs = (await this.objects
        .find({ c: r.c, da: { $gte: r.from, $lte: r.to } })
        .sort({ da: 1 })
        .limit(limit - out.length)
        .toArray()) as unknown as ObjectDocument[];
      // A range whose objects were never written (a crash between the two writes): nothing to distribute.
      if (docs.length === 0) await ranges.deleteOne({ _id: r._id } as Document);
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

  async settleVersions(collectionId: string, fromDateAdded: number, toDateAdded: number): Promise<void> {
    // Every range overlapping [from, to] loses that part (recovery settles a range page by page).
    const ranges = this.db.collection(PENDING);
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
    // Under the lease for the seq: decisions are taken oldest first.
    await this.lease.run(async (holder) => {
      const docs: DeferredDocument[] = items.map((d) => ({
        _id: ++holder.seq,
        reader: d.reader,
        bc: d.baseCollection,
        oid: d.objectId,
        vk: d.versionKey,
        ...(d.dueAt !== undefined ? { dueAt: d.dueAt } : {}),
        ...(d.waitingFor !== undefined ? { waitingFor: d.waitingFor } : {}),
      }));
      await this.db.collection(DEFERRED).insertMany(docs as unknown as Document[], { ordered: true });
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

  /** Removes and returns matching decisions; under the lease, so that two processes never both take one. */
  private take(filter: Document, sort: Document, limit?: number): Promise<DeferredDecision[]> {
    return this.lease.run(async () => {
      const deferred = this.db.collection(DEFERRED);
      let cursor = deferred.find(filter).sort(sort);
      if (limit !== undefined) cursor = cursor.limit(limit);
      const docs = (await cursor.toArray()) as unknown as DeferredDocument[];
      if (docs.length > 0) await deferred.deleteMany({ _id: { $in: docs.map((d) => d._id) } } as Document);
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
    await insertIgnoringDuplicates(this.db.collection(RELEASES), docs);
  }

  async releasedAmong(provider: string, objectIds: string[]): Promise<Set<string>> {
    const ids = [...new Set(objectIds)].map((oid) => `${provider}\u0000${oid}`);
    if (ids.length === 0) return new Set();
    const found = await this.db.collection(RELEASES).find({ _id: { $in: ids } } as Document, { projection: { oid: 1 } }).toArray();
    return new Set(found.map((d) => d.oid as string));
  }

  async clearDeferred(reader: string): Promise<void> {
    await this.db.collection(DEFERRED).deleteMany({ reader });
  }

  // --- statuses and settings ---------------------------------------------------------------

  async saveStatus(status: StoredStatus): Promise<void> {
    await this.db.collection(STATUSES).updateOne(
      { _id: status.id } as Document,
      {
        $set: { resource: JSON.stringify(status.resource) },
        $setOnInsert: { apiRoot: status.apiRoot, owner: status.owner, createdAt: status.createdAt, createdAtDate: new Date(status.createdAt) },
      },
      { upsert: true },
    );
  }

  async getStatus(apiRoot: string, statusId: string): Promise<StoredStatus | undefined> {
    const d = await this.db.collection(STATUSES).findOne({ _id: statusId, apiRoot } as Document);
    if (!d) return undefined;
    return {
      id: d._id as unknown as string,
      apiRoot: d.apiRoot as string,
      owner: d.owner as string,
      createdAt: d.createdAt as number,
      resource: JSON.parse(d.resource as string) as Record<string, unknown>,
    };
  }

  async purgeStatuses(createdBefore: number): Promise<number> {
    return (await this.db.collection(STATUSES).deleteMany({ createdAt: { $lt: createdBefore } })).deletedCount;
  }

  async getOrCreateSetting(key: string, make: () => string): Promise<string> {
    const settings = this.db.collection(SETTINGS);
    const existing = await settings.findOne({ _id: key } as Document);
    if (existing) return existing.value as string;
    try {
      await settings.updateOne({ _id: key } as Document, { $setOnInsert: { value: make() } }, { upsert: true });
    } catch (e) {
      // Another process created it between our read and our upsert.
      if ((e as { code?: number }).code !== 11000) throw e;
    }
    // Re-read: another process may have won the race; everyone uses the stored value.
    return (await settings.findOne({ _id: key } as Document))?.value as string;
  }

  async ping(): Promise<void> {
    await this.db.command({ ping: 1 });
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Removes the whole database (tests). */
  async dropDatabase(): Promise<void> {
    await this.db.dropDatabase();
  }

  private async highestSeq(): Promise<number> {
    const [top] = await this.db.collection(DEFERRED).find({}, { projection: { _id: 1 } }).sort({ _id: -1 }).limit(1).toArray();
    return Math.max((top?._id as unknown as number | undefined) ?? 0, await this.directory.highestSeq());
  }
}

/**
 * The filter for a collection's versions selected by `match[version]` and `match[spec_version]`
 * (TAXII 2.1 §3.4.1); undefined when the selector selects nothing.
 */
function objectFilter(collectionId: string, versions: VersionSelector, specVersions?: string[]): Filter<Document> | undefined {
  const filter: Filter<Document> = { c: collectionId };
  if (specVersions) filter.sv = { $in: specVersions };
  if (versions.all) return filter;
  const alternatives: Document[] = [];
  if (versions.first) alternatives.push({ first: true });
  if (versions.last) alternatives.push({ last: true });
  if (versions.exact.length > 0) alternatives.push({ vk: { $in: versions.exact } });
  if (alternatives.length === 0) return undefined;
  // A single alternative goes in the filter itself, so that (c, last, da) serves the default query.
  if (alternatives.length === 1) Object.assign(filter, alternatives[0]);
  else filter.$or = alternatives;
  return filter;
}

// The production store: MongoDB through the official driver, so that several stateless
// Concord processes can serve one replica set (docs/scaling.md). Each concern is a part
// over the one database; the parts that hand out date_added or seq share the write lease.
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
import { MongoClient, type Db } from 'mongodb';
import type { AuditEntry, AuditQuery, DirectoryChange, DirectoryData } from '../../directory/records';
import type { AuditPage } from '../audit-log-store';
import type { DeferredDecision, DerivedVersions, PendingVersion } from '../distribution-ledger';
import type { AddOutcome, AddToManyOptions, NewObjectVersion, ObjectQuery, PartitionBatch, QueryPage, VersionSelector } from '../object-store';
import type { StoredStatus } from '../status-store';
import type { Store } from '../store';
import { MongoAuditLog } from './mongo-audit';
import { MongoDirectory } from './mongo-directory';
import { MongoDistributionLedger } from './mongo-distribution';
import { AUDIT, META, SETTINGS, STATUSES, ensureIndexes } from './mongo-indexes';
import { MongoObjects } from './mongo-objects';
import { MongoSettings } from './mongo-settings';
import { MongoStatuses } from './mongo-statuses';
import { WriteLease } from './write-lease';

export interface MongoStoreOptions {
  /** Statuses older than this expire (a TTL index where the server has them). */
  statusRetentionSeconds?: number;
  /** Write-lease validity without renewal (ms), see write-lease.ts. */
  leaseTtlMs?: number;
}

export class MongoStore implements Store {
  private readonly lease: WriteLease;
  private readonly objects: MongoObjects;
  private readonly directory: MongoDirectory;
  private readonly auditLog: MongoAuditLog;
  private readonly distribution: MongoDistributionLedger;
  private readonly statuses: MongoStatuses;
  private readonly settings: MongoSettings;
  /** Whether the server built the statuses TTL index (otherwise only purgeStatuses expires them). */
  ttlIndex = false;

  private constructor(
    private readonly client: MongoClient,
    readonly db: Db,
    options: MongoStoreOptions,
  ) {
    this.lease = new WriteLease(db.collection(META), {
      ...(options.leaseTtlMs !== undefined ? { ttlMs: options.leaseTtlMs } : {}),
      recover: () => this.highestSeq(),
    });
    this.auditLog = new MongoAuditLog(db.collection(AUDIT), this.lease);
    this.directory = new MongoDirectory(db.collection(META), this.auditLog, this.lease);
    this.objects = new MongoObjects(db, this.lease, this.directory);
    this.distribution = new MongoDistributionLedger(db, this.lease, this.objects);
    this.statuses = new MongoStatuses(db.collection(STATUSES));
    this.settings = new MongoSettings(db.collection(SETTINGS));
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
      store.ttlIndex = await ensureIndexes(store.db, options.statusRetentionSeconds ?? 7 * 24 * 3600);
    } catch (e) {
      await client.close();
      throw e;
    }
    return store;
  }

  /** After a takeover of the write lease: the highest seq handed out, read from the data. */
  private async highestSeq(): Promise<number> {
    const deferred = await this.distribution.highestSeq();
    return Math.max(deferred, await this.auditLog.highestSeq(), await this.directory.highestOutboxSeq());
  }

  // --- objects ---

  addObjects(partition: string, versions: NewObjectVersion[]): Promise<AddOutcome[]> {
    return this.objects.addObjects(partition, versions);
  }

  addObjectsToMany(batches: PartitionBatch[], options?: AddToManyOptions): Promise<AddOutcome[][]> {
    return this.objects.addObjectsToMany(batches, options);
  }

  queryObjects(query: ObjectQuery): Promise<QueryPage> {
    return this.objects.queryObjects(query);
  }

  hasObject(partition: string, objectId: string): Promise<boolean> {
    return this.objects.hasObject(partition, objectId);
  }

  presentAmong(partition: string, objectIds: string[]): Promise<Set<string>> {
    return this.objects.presentAmong(partition, objectIds);
  }

  deleteObject(partition: string, objectId: string, versions: VersionSelector, specVersions?: string[]): Promise<number> {
    return this.objects.deleteObject(partition, objectId, versions, specVersions);
  }

  // --- the directory and the audit log ---

  directoryRevision(): Promise<number> {
    return this.directory.directoryRevision();
  }

  loadDirectory(): Promise<DirectoryData> {
    return this.directory.loadDirectory();
  }

  applyDirectoryChanges(changes: DirectoryChange[], audit: AuditEntry[], expectedRevision: number): Promise<number> {
    return this.directory.applyDirectoryChanges(changes, audit, expectedRevision);
  }

  appendAudit(entries: AuditEntry[]): Promise<void> {
    return this.auditLog.appendAudit(entries);
  }

  queryAudit(query: AuditQuery): Promise<AuditPage> {
    return this.auditLog.queryAudit(query);
  }

  // --- distribution bookkeeping ---

  pendingVersions(limit: number): Promise<PendingVersion[]> {
    return this.distribution.pendingVersions(limit);
  }

  settleVersions(collectionId: string, fromDateAdded: number, toDateAdded: number): Promise<void> {
    return this.distribution.settleVersions(collectionId, fromDateAdded, toDateAdded);
  }

  addDeferred(items: DeferredDecision[]): Promise<void> {
    return this.distribution.addDeferred(items);
  }

  takeDueDeferred(now: number, limit: number): Promise<DeferredDecision[]> {
    return this.distribution.takeDueDeferred(now, limit);
  }

  takeWaitingFor(reader: string, objectIds: string[]): Promise<DeferredDecision[]> {
    return this.distribution.takeWaitingFor(reader, objectIds);
  }

  takeDeferredForObjects(objectIds: string[]): Promise<DeferredDecision[]> {
    return this.distribution.takeDeferredForObjects(objectIds);
  }

  addReleases(provider: string, objectIds: string[]): Promise<void> {
    return this.distribution.addReleases(provider, objectIds);
  }

  releasedAmong(provider: string, objectIds: string[]): Promise<Set<string>> {
    return this.distribution.releasedAmong(provider, objectIds);
  }

  clearDeferred(reader: string): Promise<void> {
    return this.distribution.clearDeferred(reader);
  }

  deleteDerivedIn(items: DerivedVersions[]): Promise<number> {
    return this.distribution.deleteDerivedIn(items);
  }

  // --- statuses and settings ---

  saveStatus(status: StoredStatus): Promise<void> {
    return this.statuses.saveStatus(status);
  }

  getStatus(apiRoot: string, statusId: string): Promise<StoredStatus | undefined> {
    return this.statuses.getStatus(apiRoot, statusId);
  }

  purgeStatuses(createdBefore: number): Promise<number> {
    return this.statuses.purgeStatuses(createdBefore);
  }

  getOrCreateSetting(key: string, make: () => string): Promise<string> {
    return this.settings.getOrCreateSetting(key, make);
  }

  // --- lifecycle ---

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
}

// The embedded store: one SQLite file (better-sqlite3), so that `npm start` serves with
// no database to install. Each concern is a part over the one connection (see
// sqlite-connection.ts for its durability); the parts share the cache of prepared
// statement shapes.
import type Database from 'better-sqlite3';
import type { AuditEntry, AuditQuery, DirectoryChange, DirectoryData } from '../../directory/records';
import type { AuditPage } from '../audit-log-store';
import type { DeferredDecision, DerivedVersions, PendingVersion } from '../distribution-ledger';
import type { AddOutcome, AddToManyOptions, NewObjectVersion, ObjectQuery, PartitionBatch, QueryPage, VersionSelector } from '../object-store';
import type { StoredStatus } from '../status-store';
import type { Store } from '../store';
import { SqliteAuditLog } from './sqlite-audit';
import { openSqlite } from './sqlite-connection';
import { SqliteDirectory } from './sqlite-directory';
import { SqliteDistributionLedger } from './sqlite-distribution';
import { SqliteObjects } from './sqlite-objects';
import { SqliteSettings } from './sqlite-settings';
import { StatementCache } from './sqlite-sql-shapes';
import { SqliteStatuses } from './sqlite-statuses';

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly objects: SqliteObjects;
  private readonly directory: SqliteDirectory;
  private readonly auditLog: SqliteAuditLog;
  private readonly distribution: SqliteDistributionLedger;
  private readonly statuses: SqliteStatuses;
  private readonly settings: SqliteSettings;

  /** `file` is a path, or ':memory:' for tests. */
  constructor(file: string) {
    this.db = openSqlite(file);
    const shapes = new StatementCache(this.db);
    this.auditLog = new SqliteAuditLog(this.db);
    this.directory = new SqliteDirectory(this.db, this.auditLog);
    this.objects = new SqliteObjects(this.db, shapes, this.directory);
    this.distribution = new SqliteDistributionLedger(this.db, shapes, this.objects);
    this.statuses = new SqliteStatuses(this.db);
    this.settings = new SqliteSettings(this.db);
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
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

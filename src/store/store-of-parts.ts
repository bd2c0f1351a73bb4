// A store made of one part per concern: the delegation both backends share, written once.
// A backend builds its parts over its own connection and adds ping and close.
import type { AuditEntry, AuditQuery, DirectoryChange, DirectoryData } from '../directory/records';
import type { AuditLogStore, AuditPage } from './audit-log-store';
import type { DirectoryStore } from './directory-store';
import type { ClassBuild, DeferredDecision, DerivedVersions, DistributionLedger, PendingVersion } from './distribution-ledger';
import type { AddOutcome, AddToManyOptions, NewObjectVersion, ObjectQuery, ObjectStore, PartitionBatch, QueryPage, VersionSelector } from './object-store';
import type { SettingsStore } from './settings-store';
import type { StatusStore, StoredStatus } from './status-store';
import type { Store } from './store';

/** One part per concern of the storage contract. */
export interface StoreParts {
  objects: ObjectStore;
  directory: DirectoryStore;
  auditLog: AuditLogStore;
  distribution: DistributionLedger;
  statuses: StatusStore;
  settings: SettingsStore;
}

export abstract class StoreOfParts implements Store {
  protected abstract readonly parts: StoreParts;

  // --- objects ---

  addObjects(partition: string, versions: NewObjectVersion[]): Promise<AddOutcome[]> {
    return this.parts.objects.addObjects(partition, versions);
  }

  addObjectsToMany(batches: PartitionBatch[], options?: AddToManyOptions): Promise<AddOutcome[][]> {
    return this.parts.objects.addObjectsToMany(batches, options);
  }

  queryObjects(query: ObjectQuery): Promise<QueryPage> {
    return this.parts.objects.queryObjects(query);
  }

  hasObject(partition: string, objectId: string): Promise<boolean> {
    return this.parts.objects.hasObject(partition, objectId);
  }

  presentAmong(partition: string, objectIds: string[]): Promise<Set<string>> {
    return this.parts.objects.presentAmong(partition, objectIds);
  }

  deleteObject(partition: string, objectId: string, versions: VersionSelector, specVersions?: string[]): Promise<number> {
    return this.parts.objects.deleteObject(partition, objectId, versions, specVersions);
  }

  redate(partition: string, versions: ReadonlyArray<{ id: string; versionKey: string }>): Promise<number> {
    return this.parts.objects.redate(partition, versions);
  }

  deleteVersions(partition: string, versions: ReadonlyArray<{ id: string; versionKey: string }>): Promise<number> {
    return this.parts.objects.deleteVersions(partition, versions);
  }

  dropPartition(partition: string): Promise<number> {
    return this.parts.objects.dropPartition(partition);
  }

  // --- the directory and the audit log ---

  directoryRevision(): Promise<number> {
    return this.parts.directory.directoryRevision();
  }

  loadDirectory(): Promise<DirectoryData> {
    return this.parts.directory.loadDirectory();
  }

  applyDirectoryChanges(changes: DirectoryChange[], audit: AuditEntry[], expectedRevision: number): Promise<number> {
    return this.parts.directory.applyDirectoryChanges(changes, audit, expectedRevision);
  }

  appendAudit(entries: AuditEntry[]): Promise<void> {
    return this.parts.auditLog.appendAudit(entries);
  }

  queryAudit(query: AuditQuery): Promise<AuditPage> {
    return this.parts.auditLog.queryAudit(query);
  }

  // --- distribution bookkeeping ---

  putClassBuilds(builds: ClassBuild[]): Promise<void> {
    return this.parts.distribution.putClassBuilds(builds);
  }

  classBuilds(): Promise<ClassBuild[]> {
    return this.parts.distribution.classBuilds();
  }

  claimClassBuild(classId: string, owner: string, until: number, now: number): Promise<boolean> {
    return this.parts.distribution.claimClassBuild(classId, owner, until, now);
  }

  finishClassBuild(classId: string): Promise<void> {
    return this.parts.distribution.finishClassBuild(classId);
  }

  pendingVersions(limit: number): Promise<PendingVersion[]> {
    return this.parts.distribution.pendingVersions(limit);
  }

  settleVersions(collectionId: string, fromDateAdded: number, toDateAdded: number): Promise<void> {
    return this.parts.distribution.settleVersions(collectionId, fromDateAdded, toDateAdded);
  }

  addDeferred(items: DeferredDecision[]): Promise<void> {
    return this.parts.distribution.addDeferred(items);
  }

  takeDueDeferred(now: number, limit: number): Promise<DeferredDecision[]> {
    return this.parts.distribution.takeDueDeferred(now, limit);
  }

  takeWaitingFor(reader: string, objectIds: string[]): Promise<DeferredDecision[]> {
    return this.parts.distribution.takeWaitingFor(reader, objectIds);
  }

  takeDeferredForObjects(objectIds: string[]): Promise<DeferredDecision[]> {
    return this.parts.distribution.takeDeferredForObjects(objectIds);
  }

  addReleases(provider: string, objectIds: string[]): Promise<void> {
    return this.parts.distribution.addReleases(provider, objectIds);
  }

  releasedAmong(provider: string, objectIds: string[]): Promise<Set<string>> {
    return this.parts.distribution.releasedAmong(provider, objectIds);
  }

  clearDeferred(reader: string): Promise<void> {
    return this.parts.distribution.clearDeferred(reader);
  }

  deleteDerivedIn(items: DerivedVersions[]): Promise<number> {
    return this.parts.distribution.deleteDerivedIn(items);
  }

  // --- statuses and settings ---

  saveStatus(status: StoredStatus): Promise<void> {
    return this.parts.statuses.saveStatus(status);
  }

  getStatus(apiRoot: string, statusId: string): Promise<StoredStatus | undefined> {
    return this.parts.statuses.getStatus(apiRoot, statusId);
  }

  purgeStatuses(createdBefore: number): Promise<number> {
    return this.parts.statuses.purgeStatuses(createdBefore);
  }

  getSetting(key: string): Promise<string | undefined> {
    return this.parts.settings.getSetting(key);
  }

  getOrCreateSetting(key: string, make: () => string): Promise<string> {
    return this.parts.settings.getOrCreateSetting(key, make);
  }

  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;
}

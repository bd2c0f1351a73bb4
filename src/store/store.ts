// The storage contract: every concern a backend serves. Each backend (SQLite, MongoDB)
// implements all of them and passes the same contract suite (test/store/store-contract.ts).
// Nothing outside src/store/ knows which database is behind it.
import type { AuditLogStore } from './audit-log-store';
import type { DirectoryStore } from './directory-store';
import type { DistributionLedger } from './distribution-ledger';
import type { ObjectStore } from './object-store';
import type { SettingsStore } from './settings-store';
import type { StatusStore } from './status-store';
import type { StoreLifecycle } from './store-lifecycle';

export type { AuditLogStore, AuditPage } from './audit-log-store';
export type { DirectoryStore } from './directory-store';
export type { ClassBuild, DeferredDecision, DerivedVersions, DistributionLedger, PendingVersion } from './distribution-ledger';
export type {
  AddOutcome,
  AddToManyOptions,
  NewObjectVersion,
  ObjectQuery,
  ObjectStore,
  PartitionBatch,
  QueryPage,
  StoredVersion,
  VersionSelector,
} from './object-store';
export type { SettingsStore } from './settings-store';
export type { StatusStore, StoredStatus } from './status-store';
export type { StoreLifecycle } from './store-lifecycle';

export interface Store
  extends ObjectStore,
    DirectoryStore,
    AuditLogStore,
    DistributionLedger,
    StatusStore,
    SettingsStore,
    StoreLifecycle {}

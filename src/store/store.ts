// The storage contract. Every backend (SQLite now, MongoDB later) implements it and
// passes the same contract suite (test/store/store-contract.ts). Nothing outside
// src/store/ knows which database is behind it.
import type { AuditEntry, AuditQuery, DirectoryChange, DirectoryData } from '../directory/records';

/** One version of one object, as handed to the store for writing. */
export interface NewObjectVersion {
  id: string;
  type: string;
  /** The version string exactly as the object states it (`modified`, else `created`), or undefined for unversioned objects. */
  version: string | undefined;
  /** Fixed-width sortable key of `version` (see taxii/timestamps.ts versionKey); undefined for unversioned objects. */
  versionKey: string | undefined;
  specVersion: string;
  /** The object serialised as JSON, stored and served byte for byte; '' in a derived row that serves its base row's JSON. */
  json: string;
  /** The member that published it (base rows). */
  provider?: string;
  /**
   * Derived rows (a reader's view of a collection, src/sharing): the collection of the
   * base row they derive from; deleting the base version deletes them.
   */
  baseCollection?: string;
  /** A derived row served under another id than its base row's (a pseudonym identity): the base id. */
  baseObjectId?: string;
  /** A base row not yet distributed to the readers' views (see pendingVersions). */
  pending?: boolean;
  /**
   * The date_added wanted (microseconds), for a derived row that becomes visible together
   * with its base row; the store still keeps date_added unique and increasing, so it may
   * give a later one. Undefined: now.
   */
  dateAdded?: number;
}

/**
 * A distribution decision put off (src/sharing): an embargoed version to release to a
 * reader at `dueAt`, or a relationship waiting until the reader can see `waitingFor`.
 */
export interface DeferredDecision {
  reader: string;
  baseCollection: string;
  objectId: string;
  versionKey: string;
  /** Milliseconds since the epoch (embargo), or undefined. */
  dueAt?: number;
  /** The referenced object id the decision waits for (relationship closure), or undefined. */
  waitingFor?: string;
}

/** A base version whose distribution to readers did not finish. */
export interface PendingVersion {
  collectionId: string;
  id: string;
  type: string;
  version: string;
  versionKey: string;
  specVersion: string;
  dateAdded: number;
  provider?: string;
  json: string;
}

export type AddOutcome =
  | { outcome: 'added'; version: string; dateAdded: number }
  | { outcome: 'duplicate'; version: string };

/**
 * Which versions of each object a query selects (TAXII 2.1 §3.4.1 `match[version]`).
 * `all` selects every version; otherwise a version is selected when it is the first,
 * the last, or one of the exact version keys asked for.
 */
export type VersionSelector =
  | { all: true }
  | { all?: false; first: boolean; last: boolean; exact: string[] };

export interface ObjectQuery {
  /** The partition read: a base collection (its id) or a reader's view (directory/hub-ids viewPartition). */
  partition: string;
  /** Object ids to select (OR); undefined means any. */
  ids?: string[];
  /** Object types to select (OR); undefined means any. */
  types?: string[];
  versions: VersionSelector;
  /** `spec_version` values to select (OR); undefined means any. */
  specVersions?: string[];
  /** Only versions added strictly after this instant (microseconds). */
  addedAfter?: number;
  /** Keyset position: only versions added strictly after this `date_added` (microseconds). */
  after?: number;
  /** Page size; the store fetches one more to tell whether there are more. */
  limit: number;
  /** Whether to return the stored JSON (objects endpoints) or only metadata (manifest, versions). */
  withJson: boolean;
}

export interface StoredVersion {
  id: string;
  type: string;
  version: string;
  specVersion: string;
  /** Microseconds since the epoch; unique and strictly increasing within a collection. */
  dateAdded: number;
  provider?: string;
  json?: string;
}

export interface QueryPage {
  records: StoredVersion[];
  more: boolean;
}

/** A stored TAXII status resource (§4.3.1), owned by the principal that posted. */
export interface StoredStatus {
  id: string;
  apiRoot: string;
  owner: string;
  /** Milliseconds since the epoch, used for retention. */
  createdAt: number;
  resource: Record<string, unknown>;
}

export interface Store {
  // --- the directory: small, read whole, changed atomically ---
  /** The directory's current revision (one cheap read: servers call it on every request). */
  directoryRevision(): Promise<number>;
  loadDirectory(): Promise<DirectoryData>;
  /**
   * Applies every change in one transaction, with the audit entries that record it, and
   * bumps the revision; throws DirectoryConflict (changing nothing) when the revision is
   * no longer `expectedRevision`, so that concurrent admins cannot overwrite each other.
   */
  applyDirectoryChanges(changes: DirectoryChange[], audit: AuditEntry[], expectedRevision: number): Promise<number>;

  // --- the audit log ---
  appendAudit(entries: AuditEntry[]): Promise<void>;
  /** Entries in seq order, after `afterSeq`; `more` tells whether another page follows. */
  queryAudit(query: AuditQuery): Promise<{ entries: AuditEntry[]; more: boolean }>;

  // --- objects ---
  /**
   * Adds versions to a collection in one atomic, durable write; results in input order.
   * A version already there (same id and version key) is a duplicate. An unversioned
   * object is a duplicate only of an earlier copy by the same provider: another provider's
   * copy is a new version (its date_added), so that a duplicate never tells one member
   * that another holds the object.
   */
  addObjects(partition: string, versions: NewObjectVersion[]): Promise<AddOutcome[]>;
  /**
   * addObjects for several collections (readers' views) in one atomic, durable write.
   * With `directoryRevision`, writes only if the directory is still at that revision, and
   * otherwise throws DirectoryConflict having written nothing: views decided under an
   * older policy are never written after a newer one was applied (by any process).
   * `recoverable`: every row derives from base versions still pending, so that losing the
   * write to a power cut costs only a redistribution at start; the store may then skip
   * its own flush (the embedded store does, see SqliteStore.derived).
   */
  addObjectsToMany(
    batches: Array<{ partition: string; versions: NewObjectVersion[] }>,
    directoryRevision?: number,
    recoverable?: boolean,
  ): Promise<AddOutcome[][]>;
  /** One keyset page, ordered by `date_added` ascending. */
  queryObjects(query: ObjectQuery): Promise<QueryPage>;
  /** Whether any version of the object is in the collection. */
  hasObject(partition: string, objectId: string): Promise<boolean>;
  /** Which of these objects have a version in the collection (hasObject for many ids, in one query). */
  presentAmong(partition: string, objectIds: string[]): Promise<Set<string>>;
  /** Deletes the selected versions of one object; returns how many were deleted. */
  deleteObject(partition: string, objectId: string, versions: VersionSelector, specVersions?: string[]): Promise<number>;

  /** Base versions added with `pending` whose distribution has not been settled, oldest first. */
  pendingVersions(limit: number): Promise<PendingVersion[]>;
  /**
   * Marks distributed the pending base versions of a collection added between these two
   * instants (inclusive, microseconds): one publish's versions are one such range.
   */
  settleVersions(collectionId: string, fromDateAdded: number, toDateAdded: number): Promise<void>;
  addDeferred(items: DeferredDecision[]): Promise<void>;
  /** Removes and returns the embargoed decisions due at `now` (oldest first, at most `limit`). */
  takeDueDeferred(now: number, limit: number): Promise<DeferredDecision[]>;
  /** Removes and returns the decisions of `reader` waiting for `objectId`. */
  takeWaitingFor(reader: string, objectIds: string[]): Promise<DeferredDecision[]>;
  /**
   * Removes and returns the embargoed decisions (those with a `dueAt`) of every reader for
   * these base object ids (a provider released them).
   */
  takeDeferredForObjects(objectIds: string[]): Promise<DeferredDecision[]>;
  /** Records that a provider released these objects (embargo until released); idempotent. */
  addReleases(provider: string, objectIds: string[]): Promise<void>;
  /** Which of these objects the provider has released. */
  releasedAmong(provider: string, objectIds: string[]): Promise<Set<string>>;
  /** Forgets every deferred decision of a reader (before re-materialising it). */
  clearDeferred(reader: string): Promise<void>;
  /**
   * Deletes derived rows — versions of an object in readers' views — that derive from
   * `baseCollection`, in one atomic write; returns how many. The caller (the distributor)
   * names the partitions: it knows who has views.
   */
  deleteDerivedIn(items: Array<{ partition: string; objectId: string; versionKeys: string[]; baseCollection: string }>): Promise<number>;

  saveStatus(status: StoredStatus): Promise<void>;
  getStatus(apiRoot: string, statusId: string): Promise<StoredStatus | undefined>;
  /** Removes statuses created before the given instant (milliseconds); returns how many. */
  purgeStatuses(createdBefore: number): Promise<number>;

  /** A value kept across restarts (e.g. the cursor signing key); created by `make` on first use. */
  getOrCreateSetting(key: string, make: () => string): Promise<string>;

  /** Throws when the store cannot serve (readiness probe). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// Objects: versions of STIX objects, kept per partition. A partition is a base collection
// (its id) or a reader's view of one (directory/hub-ids viewPartition); the store does not
// tell them apart, except that a view's rows name the base row they derive from.

/** One version of one object, as handed to the store for writing. */
export interface NewObjectVersion {
  id: string;
  type: string;
  /** The version string exactly as the object states it (`modified`, else `created`), or undefined for unversioned objects. */
  version: string | undefined;
  /** Fixed-width sortable key of `version` (see vocabulary/time.ts versionKey); undefined for unversioned objects. */
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
  /** A base row not yet distributed to the readers' views (see DistributionLedger.pendingVersions). */
  pending?: boolean;
  /**
   * The date_added wanted (microseconds), for a derived row that becomes visible together
   * with its base row; the store still keeps date_added unique and increasing, so it may
   * give a later one. Undefined: now.
   */
  dateAdded?: number;
}

export type AddOutcome =
  | { outcome: 'added'; version: string; dateAdded: number }
  | { outcome: 'duplicate'; version: string };

/** Versions to add to one partition, as one of the batches of addObjectsToMany. */
export interface PartitionBatch {
  partition: string;
  versions: NewObjectVersion[];
}

export interface AddToManyOptions {
  /**
   * Write only if the directory is still at this revision, and otherwise throw
   * DirectoryConflict having written nothing: views decided under an older policy are
   * never written after a newer one was applied (by any process).
   */
  directoryRevision?: number;
  /**
   * Every row derives from base versions still pending, so that losing the write to a
   * power cut costs only a redistribution at start; the store may then skip its own flush
   * (the embedded store does, see sqlite-connection.ts withoutOwnFsync).
   */
  recoverable?: boolean;
}

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
  /** Microseconds since the epoch; unique and strictly increasing within a partition. */
  dateAdded: number;
  provider?: string;
  json?: string;
}

export interface QueryPage {
  records: StoredVersion[];
  more: boolean;
}

export interface ObjectStore {
  /**
   * Adds versions to a partition in one atomic, durable write; results in input order.
   * A version already there (same id and version key) is a duplicate. An unversioned
   * object is a duplicate only of an earlier copy by the same provider: another provider's
   * copy is a new version (its date_added), so that a duplicate never tells one member
   * that another holds the object.
   */
  addObjects(partition: string, versions: NewObjectVersion[]): Promise<AddOutcome[]>;
  /** addObjects for several partitions (readers' views) in one atomic, durable write. */
  addObjectsToMany(batches: PartitionBatch[], options?: AddToManyOptions): Promise<AddOutcome[][]>;
  /** One keyset page, ordered by `date_added` ascending. */
  queryObjects(query: ObjectQuery): Promise<QueryPage>;
  /** Whether any version of the object is in the partition. */
  hasObject(partition: string, objectId: string): Promise<boolean>;
  /** Which of these objects have a version in the partition (hasObject for many ids, in one query). */
  presentAmong(partition: string, objectIds: string[]): Promise<Set<string>>;
  /** Deletes the selected versions of one object; returns how many were deleted. */
  deleteObject(partition: string, objectId: string, versions: VersionSelector, specVersions?: string[]): Promise<number>;
  /**
   * Gives these versions (object id and version key) new date_added values, later than any
   * in the partition, in the order given, in one atomic write; returns how many it found.
   */
  redate(partition: string, versions: ReadonlyArray<{ id: string; versionKey: string }>): Promise<number>;
  /** Deletes these versions (object id and version key) from a partition in one atomic write; returns how many. */
  deleteVersions(partition: string, versions: ReadonlyArray<{ id: string; versionKey: string }>): Promise<number>;
  /** Deletes every version of a partition, and its clock; returns how many. */
  dropPartition(partition: string): Promise<number>;
}

// The bookkeeping of distribution (src/sharing): which base versions still have to reach
// the readers' views, which decisions were put off and why, which embargoed objects their
// providers released, and the removal of view rows when their base version goes.

/**
 * A distribution decision put off: an embargoed version to release to a reader at
 * `dueAt`, or a relationship waiting until the reader can see `waitingFor`.
 */
export interface DeferredDecision {
  /** Who the decision is for: an audience class (src/sharing: members decided alike). */
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

/** Versions of one object in a reader's view that derive from `baseCollection`. */
export interface DerivedVersions {
  partition: string;
  objectId: string;
  versionKeys: string[];
  baseCollection: string;
}

/**
 * A background job that builds an audience class's views after a policy change
 * (src/sharing/class-builds.ts): what it builds, from where, and how far it got.
 */
export interface ClassBuild {
  /** The class built (one job per class). */
  classId: string;
  /** The non-feed collections its views cover, in the order they are built. */
  collections: string[];
  /** Whether its views are computed (a class nobody was in), or only caught up (members moved into an existing one). */
  build: boolean;
  /** The class whose views' date_added are kept for what it held in the same form. */
  seed?: string;
  /**
   * How many of the class's partitions (its feed, then its views in `collections` order)
   * were copied from the seed, and the seed date_added reached in the next one.
   */
  kept?: number;
  keptAfter?: number;
  /** Classes members came from: what they may not have polled is dated again once built. */
  sources: string[];
  /** Classes nobody is in any more: dropped once no job needs them. */
  retire: string[];
  /** How many of `collections` are built, and the base date_added reached in the next one. */
  done: number;
  after?: number;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** The directory revision that made it. */
  revision: number;
}

export interface DistributionLedger {
  /** Records jobs (replacing any for the same class). */
  putClassBuilds(builds: ClassBuild[]): Promise<void>;
  /** Every job not finished, oldest first. */
  classBuilds(): Promise<ClassBuild[]>;
  /**
   * Takes the job of `classId` for `owner` until `until` (milliseconds), if nobody else
   * holds it at `now`: one process works a job at a time. True when taken (or renewed).
   */
  claimClassBuild(classId: string, owner: string, until: number, now: number): Promise<boolean>;
  /** Removes a finished job. */
  finishClassBuild(classId: string): Promise<void>;
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
  /** Removes and returns the decisions of `reader` waiting for any of `objectIds`. */
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
   * Deletes derived rows in one atomic write; returns how many. The caller (the
   * distributor) names the partitions: it knows who has views.
   */
  deleteDerivedIn(items: DerivedVersions[]): Promise<number>;
}

// Distribution: applies decide() to every version for every member that may read its
// collection, and writes what each member may see — transformed for it — into that
// member's views (view-writer.ts). The parts, each in its own file:
//   - fan-out on write (fan-out.ts), with closure events: a relationship or sighting
//     waiting for an object the member cannot see yet is decided again once it can;
//   - release events (releases.ts): embargoes due, and providers' releases;
//   - re-materialisation on policy change (rematerialisation.ts);
//   - withdrawal after deletes (withdrawal.ts);
//   - recovery of distributions a crash interrupted (recovery.ts);
//   - what every decision reads besides the object (decision-inputs.ts).
// They run one at a time (distribution-queue.ts): each public method here is one task of
// the queue, and the parts never queue work themselves.
import type { Logger } from 'pino';
import type { DirectorySnapshot } from '../access/directory-snapshot';
import type { LiveDirectory } from '../access/live-directory';
import type { Mou } from '../directory/mou';
import type { DirectoryData, MemberRecord } from '../directory/records';
import type { ClassBuild, Store } from '../store/store';
import type { StixObject } from '../stix/rules/rule';
import { BaseVersions, NO_RELEASES, type BaseVersion, type ReleasedObjects } from './base-versions';
import type { Decision } from './decision';
import { DecisionInputs } from './decision-inputs';
import { DistributionQueue } from './distribution-queue';
import { FanOut } from './fan-out';
import type { HubIdentities } from './hub-identities';
import { Recovery } from './recovery';
import { Releases } from './releases';
import { Rematerialisation } from './rematerialisation';
import { ViewWriter } from './view-writer';
import { Withdrawal } from './withdrawal';
import { LayoutUpgrade } from './layout-upgrade';
import { ClassBuilds, type BuildProgress } from './class-builds';

/** How soon a failed distribution is tried again (then at every tick). */
const RETRY_MS = 1_000;


export { toBase, type BaseVersion, type ReleasedObjects } from './base-versions';

export class Distributor {
  private readonly queue = new DistributionQueue();
  private readonly inputs: DecisionInputs;
  private readonly fanOut: FanOut;
  private readonly releases: Releases;
  private readonly rematerialisation: Rematerialisation;
  private readonly withdrawal: Withdrawal;
  private readonly recovery: Recovery;
  private readonly layout: LayoutUpgrade;
  private readonly builds: ClassBuilds;
  private readonly logger: Logger;
  /** Set when a distribution failed here: pending versions are distributed again until it succeeds. */
  private failedDistribution = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    store: Store,
    private readonly directory: LiveDirectory,
    identities: HubIdentities,
    logger: Logger,
    now: () => number = Date.now,
    /** How long a policy change waits for the views it adds to before it returns (the rest goes on in the background). */
    private readonly buildWaitMs = 500,
  ) {
    const views = new ViewWriter(store);
    const baseVersions = new BaseVersions(store);
    this.inputs = new DecisionInputs(store, identities);
    this.fanOut = new FanOut(store, directory, this.inputs, views, baseVersions, now);
    this.releases = new Releases(store, directory, this.fanOut, now);
    this.rematerialisation = new Rematerialisation(directory, this.inputs, views, baseVersions, now);
    this.withdrawal = new Withdrawal(directory, this.inputs, views, baseVersions);
    this.recovery = new Recovery(store, this.fanOut, logger);
    this.layout = new LayoutUpgrade(store, directory, views, this.rematerialisation);
    this.builds = new ClassBuilds(store, directory, this.queue, this.fanOut, this.inputs, views, baseVersions, logger, now);
    this.store = store;
    this.logger = logger;
  }

  private readonly store: Store;

  /** Works the class builds left by a policy change here or in another process (at start, and periodically). */
  resumeBuilds(): Promise<void> {
    return this.builds.work();
  }

  /** Stops working class builds (before the store closes); another process or the next start resumes them. */
  stopBuilds(): Promise<void> {
    return this.builds.stop();
  }

  /** Waits until no class build is left (or `ms` passed); true when none is. */
  settled(ms = Infinity): Promise<boolean> {
    return this.builds.settle(ms);
  }

  /** The class builds not finished, with their progress (admin API). */
  async buildProgress(): Promise<BuildProgress[]> {
    return this.builds.progress(await this.directory.refresh());
  }

  /** Moves the per-member views of data files of earlier versions to audience classes (once, at start). */
  upgradeLayout(): Promise<number> {
    return this.queue.run(() => this.layout.upgrade());
  }

  /** Learns the marking definitions the hub holds (IEP and other custom markings), once at start. */
  async loadMarkings(): Promise<number> {
    return this.inputs.loadMarkings(await this.directory.refresh());
  }

  /** The members whose views of `collectionId` are kept: those who may read it (suspended or not). */
  readersOf(snapshot: DirectorySnapshot, collectionId: string): MemberRecord[] {
    return this.inputs.readersOf(snapshot, collectionId);
  }

  mouOf(snapshot: DirectorySnapshot, memberId: string): Mou {
    return this.inputs.mouOf(snapshot, memberId);
  }

  /**
   * Distributes base versions just stored and acknowledged: a failure does not undo the
   * publish (the versions are stored, pending, and the status says so); they are
   * distributed again from the store, after `RETRY_MS` and then with the periodic tick,
   * until that succeeds. Resolves once distributed or left to the retry. What a reader
   * may see at once keeps the base date_added, so that every principal sees the same
   * instants; anything that becomes visible later gets the instant it became visible.
   */
  async distributeOrRetry(collectionId: string, versions: BaseVersion[], settle?: ReadonlyArray<{ from: number; to: number }>): Promise<void> {
    if (versions.length === 0) return;
    try {
      // Step by step through the queue: other publishes and policy changes take turns with a large one.
      const step = <T>(work: () => Promise<T>) => this.queue.run(work);
      await this.fanOut.publish(collectionId, versions, { keepDates: true, step, ...(settle !== undefined ? { settle } : {}) });
    } catch (e) {
      this.logger.error({ err: e, collectionId, versions: versions.length }, 'distribution failed; the versions stay pending and are distributed again');
      this.retryPendingSoon();
    }
  }

  /** Distributes every pending base version again, soon (once at a time), and at every tick until it succeeds. */
  private retryPendingSoon(): void {
    this.failedDistribution = true;
    if (this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.retryPending();
    }, RETRY_MS);
    this.retryTimer.unref();
  }

  private async retryPending(): Promise<void> {
    if (!this.failedDistribution) return;
    try {
      await this.recoverPending();
      this.failedDistribution = false;
    } catch (e) {
      this.logger.error({ err: e }, 'distributing pending versions failed; retried at the next tick');
    }
  }

  /**
   * The periodic work (every 10 s, src/main.ts): embargoed versions due are released, class
   * builds left by any process are resumed, distributions that failed here are retried.
   * Never rejects: each failure is logged, and tried again at the next tick.
   */
  async tick(): Promise<void> {
    await this.releaseDue().catch((e: unknown) => this.logger.warn({ err: e }, 'embargo release failed'));
    await this.retryPending();
    this.resumeBuilds().catch((e: unknown) => this.logger.warn({ err: e }, 'class builds failed'));
  }

  /** Releases embargoed versions that are due (called periodically). */
  releaseDue(): Promise<number> {
    return this.queue.run(() => this.releases.releaseDue());
  }

  /**
   * Embargo until released: the provider releases these objects (base ids); what they
   * held for other readers is decided again now. Returns how many held versions reached a
   * reader (reader × version).
   */
  release(providerId: string, objectIds: string[]): Promise<number> {
    return this.queue.run(() => this.releases.release(providerId, objectIds));
  }

  /**
   * For the providers of `versions` whose MOU embargoes until released: which of these
   * versions' objects each has released.
   */
  releasedFor(snapshot: DirectorySnapshot, versions: readonly BaseVersion[]): Promise<ReleasedObjects> {
    return this.inputs.releasedFor(snapshot, versions);
  }

  /**
   * After versions of `objectId` were deleted from `collectionId` (and from every view):
   * for each member that can no longer see the object anywhere and asks for relationship
   * closure, the relationships and sightings it saw only through that object are withdrawn
   * from its views and wait for the object again.
   */
  withdrawDependents(_collectionId: string, objectId: string): Promise<void> {
    return this.queue.run(() => this.withdrawal.withdrawDependents(objectId));
  }

  /**
   * After versions of `objectId` were deleted from `collectionId`: removes them from every
   * member's view of the collection and feed, then withdraws what members saw only
   * through the object.
   */
  afterDelete(collectionId: string, objectId: string, versionKeys: string[]): Promise<void> {
    return this.queue.run(() => this.withdrawal.afterDelete(collectionId, objectId, versionKeys));
  }

  /** Finishes distributions a crash interrupted. */
  recoverPending(): Promise<number> {
    return this.queue.run(() => this.recovery.recoverPending());
  }

  /**
   * After a directory change: what it hides is hidden before the change is acknowledged;
   * what it adds is built by background jobs (class-builds.ts), waited for up to
   * `buildWaitMs`, so that a small hub sees the whole change when the request returns.
   */
  async rematerialise(before: DirectoryData): Promise<void> {
    const scheduled = await this.queue.run(async () => {
      const builds = await this.rematerialisation.rematerialise(before);
      // In the same task as the builds' pages (class-builds.ts), so that none is lost between.
      if (builds.length > 0) await this.store.putClassBuilds(mergeBuilds(await this.store.classBuilds(), builds));
      return builds.length;
    });
    if (scheduled > 0) await this.builds.settle(this.buildWaitMs);
  }

  /**
   * TLP 2.0 AMBER+STRICT: why an object may not be posted to this collection by this
   * publisher (another organisation's AMBER+STRICT intelligence), or undefined.
   */
  republishRefusal(snapshot: DirectorySnapshot, publisherId: string, collectionId: string, object: StixObject): string | undefined {
    return this.inputs.republishRefusal(snapshot, publisherId, collectionId, object);
  }

  /**
   * The decision for one base version and one reader, exactly as distribution makes it
   * (explanations use it); `releases` from releasedFor (none released when absent).
   */
  decisionFor(snapshot: DirectorySnapshot, reader: MemberRecord, version: BaseVersion, known: ReadonlyMap<string, boolean>, releases: ReleasedObjects = NO_RELEASES): Decision {
    return this.inputs.decisionFor(snapshot, reader, version, known, releases);
  }
}

/** New jobs merged into those already kept for the same classes (progress kept, sources joined). */
function mergeBuilds(existing: readonly ClassBuild[], added: readonly ClassBuild[]): ClassBuild[] {
  const byClass = new Map(existing.map((b) => [b.classId, b]));
  return added.map((b) => {
    const e = byClass.get(b.classId);
    if (e === undefined) return b;
    const base = e.build || !b.build ? e : b;
    return {
      ...base,
      build: e.build || b.build,
      sources: [...new Set([...e.sources, ...b.sources])],
      retire: [...new Set([...e.retire, ...b.retire])],
      ...((e.seed ?? b.seed) !== undefined ? { seed: (e.seed ?? b.seed) as string } : {}),
    };
  });
}

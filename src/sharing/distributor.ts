// Distribution: applies decide() to every version for every member that may read
// its collection, and writes what each member may see — transformed for it — into that
// member's view of the collection and into its personal feed. Reads serve a member only
// its views (taxii-service.ts), so visibility is the query: paging, `limit`, `more`,
// `next`, the date headers and every count are over what the member may see.
//
// Mechanism: fan-out on write, plus
//   - release events: an embargoed version is recorded (store.addDeferred) and added to the
//     view when due (releaseDue), with that instant as its date_added, so `added_after`
//     pollers pick it up; a provider whose MOU embargoes until released has its versions
//     held (due never) until it releases them (release), which decides them again;
//   - closure events: a relationship or sighting waiting for an object the member cannot
//     see yet is recorded and decided again once that object reaches the member's feed;
//   - re-materialisation on policy change: when a directory change alters what a member
//     may see, its views are recomputed: newly visible versions are added with a new
//     date_added, hidden ones are deleted before the change's request returns.
// Base versions are written with `pending` and settled after distribution, so a crash in
// between is recovered at start (recoverPending).
import type { Logger } from 'pino';
import type { DirectorySnapshot } from '../access/directory-snapshot';
import type { LiveDirectory } from '../access/live-directory';
import { DirectoryConflict, type DirectoryData, type MemberRecord } from '../directory/records';
import type { DeferredDecision, NewObjectVersion, Store, StoredVersion } from '../store/store';
import type { StixObject } from '../stix/rules/rule';
import { versionKey } from '../vocabulary/time';
import { decide } from './decide';
import { referencedIds } from './references';
import { effectiveMarking } from './markings';
import { DistributionTally, distributionAuditEntry } from './distribution-audit';
import type { Decision, DecisionContext, Reader } from './decision';
import { defaultMou, type Mou } from '../directory/mou';
import { applyTransforms } from './transforms';
import type { HubIdentities } from './hub-identities';
import { feedCollectionId, viewPartition } from '../directory/hub-ids';

/** A base version, as distribution needs it. */
export interface BaseVersion {
  id: string;
  type: string;
  version: string;
  versionKey: string;
  specVersion: string;
  provider: string | undefined;
  /** When it was published: its base date_added, in milliseconds. */
  publishedAt: number;
  /** Its base date_added (microseconds). */
  dateAdded: number;
  json: string;
}

/** Per provider (whose MOU embargoes until released), the object ids it released. */
export type ReleasedObjects = ReadonlyMap<string, ReadonlySet<string>>;

const NO_RELEASES: ReleasedObjects = new Map();

/** A reader's row, and the JSON it serves (the base JSON when the row holds ''). */
interface Wanted {
  row: NewObjectVersion;
  served: string;
}

const SRO_TYPES = new Set(['relationship', 'sighting']);
const PAGE = 1000;

export class Distributor {
  private readonly markings = new Map<string, StixObject>();
  /**
   * Distribution, releases and re-materialisation run one at a time: a view rebuilt while
   * a publish is being distributed could otherwise drop the rows the publish just wrote.
   * (In-process; several processes over one database rely on the store's write lease.)
   */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly directory: LiveDirectory,
    private readonly identities: HubIdentities,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Learns the marking definitions the hub holds (IEP and other custom markings), once at start. */
  async loadMarkings(): Promise<number> {
    const d = await this.directory.refresh();
    for (const c of d.collections.values()) {
      if (d.isFeed(c.id)) continue;
      let after: number | undefined;
      for (;;) {
        const page = await this.store.queryObjects({
          partition: c.id,
          types: ['marking-definition'],
          versions: { first: false, last: true, exact: [] },
          limit: PAGE,
          withJson: true,
          ...(after !== undefined ? { after } : {}),
        });
        for (const r of page.records) this.markings.set(r.id, JSON.parse(r.json as string) as StixObject);
        if (!page.more) break;
        after = page.records[page.records.length - 1]?.dateAdded;
      }
    }
    return this.markings.size;
  }

  /** The members whose views of `collectionId` are kept: those who may read it (suspended or not). */
  readersOf(d: DirectorySnapshot, collectionId: string): MemberRecord[] {
    return [...d.members.values()].filter((m) => {
      // Suspended members too: their views stay current, so that they miss nothing when resumed.
      const a = d.accessOf(m.id, 'publisher', true).get(collectionId);
      return a === 'r' || a === 'rw';
    });
  }

  mouOf(d: DirectorySnapshot, memberId: string): Mou {
    return d.mous.get(memberId) ?? defaultMou(memberId);
  }

  /**
   * Distributes base versions just added to `collectionId`, then settles them. What a
   * reader may see at once keeps the base date_added (`keepDates`), so that every
   * principal sees the same instants; anything that becomes visible later gets the
   * instant it became visible.
   */
  distribute(collectionId: string, versions: BaseVersion[], keepDates = true): Promise<void> {
    if (versions.length === 0) return Promise.resolve();
    return this.exclusive(() => this.distributeNow(collectionId, versions, keepDates));
  }

  private exclusive<T>(run: () => Promise<T>): Promise<T> {
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async distributeNow(collectionId: string, versions: BaseVersion[], keepDates: boolean): Promise<void> {
    for (const v of versions) if (v.type === 'marking-definition') this.markings.set(v.id, JSON.parse(v.json) as StixObject);
    // Objects before the relationships and sightings that may reference them.
    const ordered = [...versions.filter((v) => !SRO_TYPES.has(v.type)), ...versions.filter((v) => SRO_TYPES.has(v.type))];
    let tally = new DistributionTally();
    // The views are written only under the policy they were decided with: if another
    // process changed the directory meanwhile, decide again under the new one (its own
    // re-materialisation covers whatever was written before the change).
    for (let attempt = 1; ; attempt++) {
      const d = await this.directory.refresh();
      try {
        await this.distributeToAll(d, this.readersOf(d, collectionId), collectionId, ordered, keepDates, tally, d.revision, true);
        break;
      } catch (e) {
        if (!(e instanceof DirectoryConflict) || attempt >= 5) throw e;
        tally = new DistributionTally();
      }
    }
    let from = Infinity;
    let to = -Infinity;
    for (const v of versions) {
      from = Math.min(from, v.dateAdded);
      to = Math.max(to, v.dateAdded);
    }
    await this.store.settleVersions(collectionId, from, to);
    if (tally.readers.size === 0) return;
    const provider = versions[0]?.provider;
    await this.store.appendAudit([
      distributionAuditEntry({ collectionId, readers: tally.readers, versions: versions.length, at: this.now(), ...(provider !== undefined ? { memberId: provider } : {}) }),
    ]);
  }

  /**
   * Decides `versions` for every reader, then writes every reader's rows in one store
   * transaction (one durable commit per publish, not two per reader), then decides again
   * what was waiting for the objects just made visible.
   */
  private async distributeToAll(
    d: DirectorySnapshot,
    readers: MemberRecord[],
    collectionId: string,
    versions: BaseVersion[],
    keepDates: boolean,
    tally: DistributionTally = new DistributionTally(),
    directoryRevision?: number,
    // `versions` are base versions still pending (a publish, or recovery): see Store.addObjectsToMany.
    fromPending = false,
  ): Promise<void> {
    const batches: Array<{ partition: string; versions: NewObjectVersion[] }> = [];
    const deferred: DeferredDecision[] = [];
    const released: Array<{ reader: string; ids: string[] }> = [];
    const releases = await this.releasedFor(d, versions);
    for (const reader of readers) {
      const before = deferred.length;
      const { rows, visible } = await this.decideFor(d, reader, collectionId, versions, keepDates, deferred, releases);
      const put = new Set(deferred.slice(before).map((x) => `${x.objectId} ${x.versionKey}`)).size;
      tally.count(reader.id, 'visible', rows.length);
      tally.count(reader.id, 'deferred', put);
      tally.count(reader.id, 'hidden', versions.length - rows.length - put);
      if (rows.length === 0) continue;
      batches.push({ partition: viewPartition(reader.id, collectionId), versions: rows });
      batches.push({ partition: this.feedView(d, reader.id), versions: rows });
      released.push({ reader: reader.id, ids: visible });
    }
    // The views first: a conflict (directoryRevision) then leaves nothing behind to undo. A
    // crash between the two leaves the base versions pending, and recovery decides again.
    if (batches.length > 0) await this.store.addObjectsToMany(batches, { directoryRevision, recoverable: fromPending });
    if (deferred.length > 0) await this.store.addDeferred(deferred);
    // Relationships that were waiting for these objects may now be decided.
    for (const r of released) await this.redecide(d, await this.store.takeWaitingFor(r.reader, r.ids));
  }

  /** Decides `versions` of one collection for one reader: the rows it may see now, and what is put off. */
  private async decideFor(
    d: DirectorySnapshot,
    reader: MemberRecord,
    collectionId: string,
    versions: BaseVersion[],
    keepDates: boolean,
    deferred: DeferredDecision[],
    releases: ReleasedObjects,
  ): Promise<{ rows: NewObjectVersion[]; visible: string[] }> {
    const feed = this.feedView(d, reader.id);
    const r: Reader = { member: reader, mou: this.mouOf(d, reader.id) };
    const visibleNow = new Set<string>();
    const rows: NewObjectVersion[] = [];
    const now = this.now();
    // What the reader already sees of everything these relationships reference: one query
    // for the whole publish, not one per reference (each is a round trip on MongoDB).
    const refsOf = new Map<BaseVersion, string[]>();
    const asked: string[] = [];
    for (const v of versions) {
      if (!SRO_TYPES.has(v.type)) continue;
      const refs = referencedIds(parsed(v));
      refsOf.set(v, refs);
      for (const ref of refs) {
        asked.push(ref);
        const alias = this.servedAs(d, ref);
        if (alias !== undefined) asked.push(alias);
      }
    }
    const present = asked.length > 0 ? await this.store.presentAmong(feed, asked) : new Set<string>();
    for (const v of versions) {
      const object = parsed(v);
      const refs = refsOf.get(v) ?? [];
      const known = new Map<string, boolean>();
      for (const ref of refs) {
        const alias = this.servedAs(d, ref);
        known.set(ref, visibleNow.has(ref) || present.has(ref) || (alias !== undefined && present.has(alias)));
      }
      const decision = decide(r, object, this.context(d, v, known, releases));
      if (!decision.allow) {
        for (const ref of decision.waitingFor ?? []) {
          deferred.push({ reader: reader.id, baseCollection: collectionId, objectId: v.id, versionKey: v.versionKey, waitingFor: ref });
        }
        continue;
      }
      if (decision.visibleFrom !== undefined && decision.visibleFrom > now) {
        deferred.push({ reader: reader.id, baseCollection: collectionId, objectId: v.id, versionKey: v.versionKey, dueAt: decision.visibleFrom });
        continue;
      }
      visibleNow.add(v.id);
      rows.push({ ...derivedRow(v, collectionId, decision, object), ...(keepDates ? { dateAdded: v.dateAdded } : {}) });
    }
    return { rows, visible: [...visibleNow] };
  }

  /** Decides deferred versions again (closure events, releases), each for its reader. */
  private async redecide(d: DirectorySnapshot, items: Awaited<ReturnType<Store['takeDueDeferred']>>, tally?: DistributionTally): Promise<void> {
    const groups = new Map<string, { reader: MemberRecord; collectionId: string; versions: BaseVersion[] }>();
    for (const item of items) {
      const reader = d.members.get(item.reader);
      if (!reader) continue;
      const base = await this.baseVersion(item.baseCollection, item.objectId, item.versionKey);
      if (!base) continue;
      const key = `${item.reader} ${item.baseCollection}`;
      const group = groups.get(key) ?? { reader, collectionId: item.baseCollection, versions: [] };
      if (!group.versions.some((v) => v.id === base.id && v.versionKey === base.versionKey)) group.versions.push(base);
      groups.set(key, group);
    }
    for (const g of groups.values()) {
      if (!this.readersOf(d, g.collectionId).some((m) => m.id === g.reader.id)) continue;
      await this.distributeToAll(d, [g.reader], g.collectionId, g.versions, false, tally);
    }
  }

  /** Releases embargoed versions that are due (called periodically). */
  releaseDue(): Promise<number> {
    return this.exclusive(() => this.releaseDueNow());
  }

  private async releaseDueNow(): Promise<number> {
    const d = await this.directory.refresh();
    let released = 0;
    for (;;) {
      const due = await this.store.takeDueDeferred(this.now(), PAGE);
      if (due.length === 0) return released;
      released += due.length;
      await this.redecide(d, due);
    }
  }

  /**
   * Embargo until released: the provider releases these objects (base ids). The versions
   * held for other readers are decided again now, so what they may see is added to their
   * views and feeds with this instant as date_added (an `added_after` poll picks it up);
   * what is still under an hours embargo waits for it. Ids the provider never published
   * (or already released) change nothing. Returns how many held versions reached a reader
   * (reader × version).
   */
  release(providerId: string, objectIds: string[]): Promise<number> {
    return this.exclusive(() => this.releaseNow(providerId, objectIds));
  }

  private async releaseNow(providerId: string, objectIds: string[]): Promise<number> {
    const ids = [...new Set(objectIds)];
    if (ids.length === 0) return 0;
    const d = await this.directory.refresh();
    await this.store.addReleases(providerId, ids);
    const held = await this.store.takeDeferredForObjects(ids);
    const tally = new DistributionTally();
    await this.redecide(d, held, tally);
    let visible = 0;
    for (const c of tally.readers.values()) visible += c.visible;
    return visible;
  }

  /**
   * For the providers of `versions` whose MOU embargoes until released: which of these
   * versions' objects each has released (one store query per provider, not per version).
   */
  async releasedFor(d: DirectorySnapshot, versions: readonly BaseVersion[]): Promise<ReleasedObjects> {
    const byProvider = new Map<string, string[]>();
    for (const v of versions) {
      if (v.provider === undefined || !this.mouOf(d, v.provider).provide.embargoUntilReleased) continue;
      let ids = byProvider.get(v.provider);
      if (ids === undefined) byProvider.set(v.provider, (ids = []));
      ids.push(v.id);
    }
    if (byProvider.size === 0) return NO_RELEASES;
    const out = new Map<string, ReadonlySet<string>>();
    for (const [provider, ids] of byProvider) out.set(provider, await this.store.releasedAmong(provider, ids));
    return out;
  }

  /**
   * After versions of `objectId` were deleted from `collectionId` (and from every view):
   * for each member that can no longer see the object anywhere and asks for relationship
   * closure, the relationships and sightings it saw only through that object are withdrawn
   * from its views and wait for the object again.
   */
  withdrawDependents(collectionId: string, objectId: string): Promise<void> {
    return this.exclusive(() => this.withdrawDependentsNow(collectionId, objectId));
  }

  /**
   * After versions of `objectId` were deleted from `collectionId`: removes them from every
   * member's view of the collection and feed (under the pseudonym id too, for a member's
   * identity), then withdraws what members saw only through the object.
   */
  afterDelete(collectionId: string, objectId: string, versionKeys: string[]): Promise<void> {
    return this.exclusive(async () => {
      const d = await this.directory.refresh();
      const ids = [objectId, ...[this.servedAs(d, objectId)].filter((x): x is string => x !== undefined)];
      const items = [...d.members.values()].flatMap((m) =>
        [viewPartition(m.id, collectionId), this.feedView(d, m.id)].flatMap((partition) =>
          ids.map((id) => ({ partition, objectId: id, versionKeys, baseCollection: collectionId })),
        ),
      );
      await this.store.deleteDerivedIn(items);
      await this.withdrawDependentsNow(collectionId, objectId);
    });
  }

  private async withdrawDependentsNow(_collectionId: string, objectId: string): Promise<void> {
    const d = await this.directory.refresh();
    for (const member of d.members.values()) {
      const feed = this.feedView(d, member.id);
      const alias = this.servedAs(d, objectId);
      if ((await this.store.hasObject(feed, objectId)) || (alias !== undefined && (await this.store.hasObject(feed, alias)))) continue;
      const deferred: DeferredDecision[] = [];
      for (const c of d.collections.values()) {
        if (d.isFeed(c.id)) continue;
        const view = viewPartition(member.id, c.id);
        for await (const row of this.rowsOfTypes(view, [...SRO_TYPES])) {
          if (!referencedIds(JSON.parse(row.json as string) as StixObject).includes(objectId)) continue;
          const key = versionKey(row.version) as string;
          const base = await this.baseVersion(c.id, row.id, key);
          if (!base) continue;
          // Decided again exactly as distribution decides, with what the member sees now.
          const known = new Map<string, boolean>();
          for (const ref of referencedIds(parsed(base))) {
            const refAlias = this.servedAs(d, ref);
            known.set(ref, (await this.store.hasObject(feed, ref)) || (refAlias !== undefined && (await this.store.hasObject(feed, refAlias))));
          }
          const decision = this.decisionFor(d, member, base, known, await this.releasedFor(d, [base]));
          if (decision.allow) continue;
          await this.store.deleteObject(view, row.id, { first: false, last: false, exact: [key] });
          await this.store.deleteObject(feed, row.id, { first: false, last: false, exact: [key] });
          for (const ref of decision.waitingFor ?? []) {
            deferred.push({ reader: member.id, baseCollection: c.id, objectId: row.id, versionKey: key, waitingFor: ref });
          }
        }
      }
      if (deferred.length > 0) await this.store.addDeferred(deferred);
    }
  }

  private async *rowsOfTypes(partition: string, types: string[]): AsyncGenerator<StoredVersion> {
    const rows: StoredVersion[] = [];
    let after: number | undefined;
    for (;;) {
      const page = await this.store.queryObjects({ partition: partition, types, versions: { all: true }, limit: PAGE, withJson: true, ...(after !== undefined ? { after } : {}) });
      rows.push(...page.records);
      if (!page.more) break;
      after = page.records[page.records.length - 1]?.dateAdded;
    }
    // Collected first: the caller deletes from the partition it reads.
    yield* rows;
  }

  /** Finishes distributions a crash interrupted. */
  recoverPending(): Promise<number> {
    return this.exclusive(() => this.recoverPendingNow());
  }

  private async recoverPendingNow(): Promise<number> {
    let recovered = 0;
    for (;;) {
      const pending = await this.store.pendingVersions(PAGE);
      if (pending.length === 0) return recovered;
      const byCollection = new Map<string, BaseVersion[]>();
      for (const p of pending) {
        byCollection.set(p.collectionId, [
          ...(byCollection.get(p.collectionId) ?? []),
          {
            id: p.id,
            type: p.type,
            version: p.version,
            versionKey: p.versionKey,
            specVersion: p.specVersion,
            provider: p.provider,
            publishedAt: Math.floor(p.dateAdded / 1000),
            dateAdded: p.dateAdded,
            json: p.json,
          },
        ]);
      }
      for (const [collectionId, versions] of byCollection) {
        // Rows already written for some readers are exact duplicates and add nothing; the
        // others are visible from now (a reader may have polled past the base instant).
        await this.distributeNow(collectionId, versions, false);
      }
      recovered += pending.length;
      this.logger.warn({ recovered }, 'distribution recovered after an interruption');
    }
  }

  /**
   * After a directory change: every member whose inputs to decide() changed gets its
   * views recomputed (added, replaced, deleted) before the change is acknowledged.
   */
  rematerialise(before: DirectoryData, after: DirectoryData): Promise<void> {
    return this.exclusive(() => this.rematerialiseNow(before, after));
  }

  private async rematerialiseNow(before: DirectoryData, after: DirectoryData): Promise<void> {
    const d = await this.directory.refresh();
    const fingerprint = (data: DirectoryData, memberId: string) => policyFingerprint(data, memberId, d);
    const global = (data: DirectoryData) => JSON.stringify([data.mous ?? [], data.members.map((m) => [m.id, m.groups, m.identityRef])]);
    const everyone = global(before) !== global(after);
    for (const member of d.members.values()) {
      if (!everyone && fingerprint(before, member.id) === fingerprint(after, member.id)) continue;
      await this.rebuildMember(d, member);
    }
  }

  /** Recomputes every view of one member from the base collections. */
  private async rebuildMember(d: DirectorySnapshot, member: MemberRecord): Promise<void> {
    await this.store.clearDeferred(member.id);
    const readable = [...d.collections.values()].filter((c) => !d.isFeed(c.id) && this.readersOf(d, c.id).some((m) => m.id === member.id));
    const readableIds = new Set(readable.map((c) => c.id));
    // Views of collections the member may no longer read are emptied.
    for (const c of d.collections.values()) {
      if (!readableIds.has(c.id) && !d.isFeed(c.id)) await this.replaceView(viewPartition(member.id, c.id), new Map());
    }
    const feed = this.feedView(d, member.id);
    const feedWanted = new Map<string, Wanted>();
    const r: Reader = { member, mou: this.mouOf(d, member.id) };
    const now = this.now();
    // Objects first, relationships after, over every readable collection: closure sees
    // the member's new visible set, not the old one.
    const visible = new Set<string>();
    const sros: Array<{ collectionId: string; v: BaseVersion }> = [];
    const wanted = new Map<string, Map<string, Wanted>>();
    const deferred: DeferredDecision[] = [];
    const consider = (collectionId: string, v: BaseVersion, releases: ReleasedObjects) => {
      const object = parsed(v);
      const known = new Map(referencedIds(object).map((ref) => [ref, visible.has(ref)]));
      const decision = decide(r, object, this.context(d, v, known, releases));
      if (!decision.allow) {
        for (const ref of decision.waitingFor ?? []) {
          deferred.push({ reader: member.id, baseCollection: collectionId, objectId: v.id, versionKey: v.versionKey, waitingFor: ref });
        }
        return;
      }
      if (decision.visibleFrom !== undefined && decision.visibleFrom > now) {
        deferred.push({ reader: member.id, baseCollection: collectionId, objectId: v.id, versionKey: v.versionKey, dueAt: decision.visibleFrom });
        return;
      }
      visible.add(v.id);
      const row = derivedRow(v, collectionId, decision, object);
      const w = { row, served: row.json === '' ? v.json : row.json };
      wanted.get(collectionId)?.set(`${v.id} ${v.versionKey}`, w);
      feedWanted.set(`${v.id} ${v.versionKey}`, w);
    };
    // A page of versions at a time, with the releases of their providers fetched at once.
    const considerPage = async (page: Array<{ collectionId: string; v: BaseVersion }>) => {
      const releases = await this.releasedFor(d, page.map((p) => p.v));
      for (const { collectionId, v } of page) consider(collectionId, v, releases);
    };
    for (const c of readable) {
      wanted.set(c.id, new Map());
      let page: Array<{ collectionId: string; v: BaseVersion }> = [];
      for await (const v of this.baseVersions(c.id)) {
        if (SRO_TYPES.has(v.type)) sros.push({ collectionId: c.id, v });
        else page.push({ collectionId: c.id, v });
        if (page.length >= PAGE) {
          await considerPage(page);
          page = [];
        }
      }
      await considerPage(page);
    }
    for (let i = 0; i < sros.length; i += PAGE) await considerPage(sros.slice(i, i + PAGE));
    for (const [collectionId, rows] of wanted) await this.replaceView(viewPartition(member.id, collectionId), rows);
    await this.replaceView(feed, feedWanted);
    if (deferred.length > 0) await this.store.addDeferred(deferred);
  }

  /** Makes a view hold exactly `wanted` (by id and version): adds, replaces changed forms, deletes the rest. */
  private async replaceView(view: string, wanted: Map<string, Wanted>): Promise<void> {
    const have = new Map<string, string>();
    for await (const row of this.rows(view)) have.set(`${row.id} ${versionKey(row.version) as string}`, row.json ?? '');
    const add: NewObjectVersion[] = [];
    for (const [key, { row, served }] of wanted) {
      const current = have.get(key);
      if (current === undefined) add.push(row);
      else if (current !== served) {
        await this.store.deleteObject(view, row.id, { first: false, last: false, exact: [row.versionKey as string] });
        add.push(row);
      }
    }
    for (const key of have.keys()) {
      if (wanted.has(key)) continue;
      const [id, vk] = key.split(' ') as [string, string];
      await this.store.deleteObject(view, id, { first: false, last: false, exact: [vk] });
    }
    for (let i = 0; i < add.length; i += PAGE) await this.store.addObjects(view, add.slice(i, i + PAGE));
  }

  /**
   * The member's feed: everything it may see from every collection. Kept whether or not
   * the feed is served as a collection (sharing.feed_api_root): relationship closure asks
   * it whether a referenced object is visible to the member.
   */
  private feedView(_d: DirectorySnapshot, memberId: string): string {
    return viewPartition(memberId, feedCollectionId(memberId));
  }

  /**
   * TLP 2.0 AMBER+STRICT (hub rules): the recipient may not republish it to shared
   * collections. An AMBER+STRICT object attributed to another organisation, posted anywhere
   * but the publisher's own outbox, is refused with this reason; undefined when allowed.
   */
  republishRefusal(d: DirectorySnapshot, publisherId: string, collectionId: string, object: StixObject): string | undefined {
    const collection = d.collections.get(collectionId);
    if (collection?.owner === publisherId) return undefined;
    const publisher = d.members.get(publisherId);
    const author = object.created_by_ref;
    if (typeof author !== 'string' || author === publisher?.identityRef) return undefined;
    const marking = effectiveMarking(object, { markingDefinition: (id) => this.markings.get(id) }, 'clear');
    if (marking.level !== 'amber+strict') return undefined;
    return `${String(object.id)}: TLP:AMBER+STRICT intelligence of another organisation (${author}) may not be republished to a shared collection (TLP 2.0: the recipient's organisation only)`;
  }

  /** The pseudonym a member's identity object may be served under, when `id` is a member's identity. */
  private servedAs(d: DirectorySnapshot, id: string): string | undefined {
    if (!id.startsWith('identity--')) return undefined;
    const member = d.memberWithIdentity(id);
    return member === undefined ? undefined : this.identities.pseudonymOf(member.id);
  }

  /**
   * The decision for one base version and one reader, exactly as distribution makes it
   * (explanations use it); `releases` from releasedFor (none released when absent).
   */
  decisionFor(d: DirectorySnapshot, reader: MemberRecord, v: BaseVersion, known: ReadonlyMap<string, boolean>, releases: ReleasedObjects = NO_RELEASES): Decision {
    return decide({ member: reader, mou: this.mouOf(d, reader.id) }, JSON.parse(v.json) as StixObject, this.context(d, v, known, releases));
  }

  private context(d: DirectorySnapshot, v: BaseVersion, known: ReadonlyMap<string, boolean>, releases: ReleasedObjects = NO_RELEASES): DecisionContext {
    const provider = (v.provider !== undefined ? d.members.get(v.provider) : undefined) ?? this.identities.unknownProvider;
    const released = releases.get(provider.id);
    return {
      provider,
      providerMou: this.mouOf(d, provider.id),
      publishedAt: v.publishedAt,
      members: d.members,
      markingDefinition: (id) => this.markings.get(id),
      isVisibleToReader: (id) => known.get(id),
      pseudonymOf: (memberId) => this.identities.pseudonymOf(memberId),
      hubIdentity: this.identities.hub,
      isReleased: (objectId) => released?.has(objectId) === true,
    };
  }

  private async baseVersion(collectionId: string, objectId: string, vk: string): Promise<BaseVersion | undefined> {
    const page = await this.store.queryObjects({ partition: collectionId, ids: [objectId], versions: { first: false, last: false, exact: [vk] }, limit: 1, withJson: true });
    const row = page.records[0];
    return row ? toBase(row) : undefined;
  }

  private async *baseVersions(collectionId: string): AsyncGenerator<BaseVersion> {
    for await (const row of this.rows(collectionId)) yield toBase(row);
  }

  /** Every version in a partition, in date_added order, a page at a time. */
  private async *rows(partition: string): AsyncGenerator<StoredVersion> {
    let after: number | undefined;
    for (;;) {
      const page = await this.store.queryObjects({
        partition: partition,
        versions: { all: true },
        limit: PAGE,
        withJson: true,
        ...(after !== undefined ? { after } : {}),
      });
      for (const r of page.records) yield r;
      if (!page.more) return;
      after = page.records[page.records.length - 1]?.dateAdded;
    }
  }
}

/** A stored base row as distribution reads it. */
export function toBase(row: StoredVersion): BaseVersion {
  return {
    id: row.id,
    type: row.type,
    version: row.version,
    versionKey: versionKey(row.version) as string,
    specVersion: row.specVersion,
    provider: row.provider,
    publishedAt: Math.floor(row.dateAdded / 1000),
    dateAdded: row.dateAdded,
    json: row.json as string,
  };
}

// Fan-out decides the same version for many readers: it is parsed once, and each distinct
// set of transforms is applied and serialised once (readers with the same transforms —
// e.g. everyone but the provider, under pseudonymisation — share the result).
const parsedVersions = new WeakMap<BaseVersion, StixObject>();
const transformedVersions = new WeakMap<BaseVersion, Map<string, string>>();

function parsed(v: BaseVersion): StixObject {
  let object = parsedVersions.get(v);
  if (object === undefined) {
    object = JSON.parse(v.json) as StixObject;
    parsedVersions.set(v, object);
  }
  return object;
}

function transformedJson(v: BaseVersion, decision: Decision, object: StixObject): string {
  if (decision.transforms.length === 0) return v.json;
  const key = JSON.stringify(decision.transforms);
  let forms = transformedVersions.get(v);
  if (forms === undefined) {
    forms = new Map();
    transformedVersions.set(v, forms);
  }
  let json = forms.get(key);
  if (json === undefined) {
    json = JSON.stringify(applyTransforms(object, decision.transforms));
    forms.set(key, json);
  }
  return json;
}

/** A reader's row for a base version: the base JSON ('') unless the decision transforms it. */
function derivedRow(v: BaseVersion, collectionId: string, decision: Decision, object: StixObject): NewObjectVersion {
  const json = transformedJson(v, decision, object);
  // A pseudonymised provider's own identity object is served as the pseudonym identity:
  // under the pseudonym's id on every endpoint, so that the real id is never revealed.
  const pseudonym = decision.transforms.find((t) => t.kind === 'pseudonymise' && t.identityRef === v.id);
  const id = pseudonym?.kind === 'pseudonymise' ? pseudonym.pseudonym : v.id;
  return {
    id,
    ...(id !== v.id ? { baseObjectId: v.id } : {}),
    type: v.type,
    version: v.version,
    versionKey: v.versionKey,
    specVersion: v.specVersion,
    json: json === v.json ? '' : json,
    baseCollection: collectionId,
  };
}

export { referencedIds } from './references';

/** Everything about a member's own standing that decide() reads. */
function policyFingerprint(data: DirectoryData, memberId: string, d: DirectorySnapshot): string {
  const member = data.members.find((m) => m.id === memberId);
  const acl = data.acl.filter((a) => a.grantee === 'everyone' || a.grantee === `member:${memberId}` || (member?.groups ?? []).some((g) => a.grantee === `group:${g}`));
  const owned = data.collections.filter((c) => c.owner === memberId).map((c) => c.id);
  return JSON.stringify([member?.groups ?? [], member?.identityRef, acl, owned, data.collections.map((c) => c.id), d.feedOf(memberId)?.id]);
}

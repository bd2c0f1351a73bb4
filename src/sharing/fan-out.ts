// Fan-out on write: a publish is decided once for every audience class that may read its
// collection (members decided alike: access/audience-classes.ts), and what each class may
// see is written at once into its views (view-writer.ts). What it may see later is put
// off: an embargoed version until it is due, a relationship or sighting until the class
// sees what it references; both are decided again here (redecide).
import { setImmediate } from 'node:timers/promises';
import { audienceClasses, type AudienceClass } from '../access/audience-classes';
import type { DirectorySnapshot } from '../access/directory-snapshot';
import type { LiveDirectory } from '../access/live-directory';
import { DirectoryConflict } from '../directory/records';
import type { AuditLogStore, DeferredDecision, DistributionLedger, NewObjectVersion, ObjectStore } from '../store/store';
import { parsedObject, referencedFirst, SRO_TYPES, type BaseVersion, type BaseVersions, type ReleasedObjects } from './base-versions';
import { decide } from './decide';
import type { StixObject } from '../stix/rules/rule';
import type { DecisionInputs } from './decision-inputs';
import { derivedRow } from './derived-row';
import { DistributionTally, distributionAuditEntry } from './distribution-audit';
import { referencedObjectIds } from './references';
import { versionRowKey, type VisibleRows, type ViewWriter } from './view-writer';

/** How versions are distributed to a set of audience classes. */
interface ReaderDistribution {
  /**
   * What a reader may see at once keeps the base date_added, so that every principal sees
   * the same instants; otherwise it gets the instant it became visible.
   */
  keepDates: boolean;
  /** Counts each class's outcomes (for the audit). */
  tally?: DistributionTally;
  /** The directory revision the decisions are made under: the views are written only while it is current. */
  directoryRevision?: number;
  /** The versions are base versions still pending (a publish, or recovery): see Store.addObjectsToMany. */
  fromPending?: boolean;
  /** The date_added wanted for a row (by versionRowKey and the JSON it serves), when not the base one: see toClass. */
  dateOf?: RowDates;
}

/** The date_added wanted for a row, from its key (versionRowKey) and the JSON it serves; undefined: now. */
export type RowDates = (key: string, served: string) => number | undefined;

/** What deciding a batch of versions for one class needs besides the class. */
interface ReaderDecisions {
  keepDates: boolean;
  dateOf: RowDates | undefined;
  /** Where decisions put off are collected, for all classes. */
  deferred: DeferredDecision[];
  releases: ReleasedObjects;
}

/** A directory change by another process meanwhile: decided again this many times at most. */
const MAX_ATTEMPTS = 5;

/**
 * View rows a publish writes per step (one store write, about 17 ms on the embedded store),
 * between which other requests are served.
 */
const ROWS_PER_STEP = 500;

/** Deciding for classes this long (ms) pauses for other requests. */
const DECIDING_MS = 20;

/** Row JSON a step writes at most (a few large objects make a step of their own). */
const BYTES_PER_STEP = 512 * 1024;

/** Versions ordered per pause (their references are read from their JSON). */
const ORDER_SLICE = 250;

/** Where the step from `start` ends: within ROWS_PER_STEP rows and BYTES_PER_STEP bytes, one version at least. */
function stepEnd(ordered: readonly BaseVersion[], start: number, classes: number): number {
  // Each class's row goes to its view of the collection and to its feed.
  const fanOut = 2 * Math.max(1, classes);
  let end = start;
  let rows = 0;
  let bytes = 0;
  do {
    rows += fanOut;
    bytes += fanOut * (ordered[end] as BaseVersion).json.length;
    end++;
  } while (end < ordered.length && rows + fanOut <= ROWS_PER_STEP && bytes < BYTES_PER_STEP);
  return end;
}

const pause = () => setImmediate();

/** How FanOut.publish goes about it. */
export interface PublishOptions {
  /** Keep the base date_added for what a reader may see at once (see ReaderDistribution). */
  keepDates: boolean;
  /** The date_added ranges of the collection to settle: see FanOut.publish. */
  settle?: ReadonlyArray<{ from: number; to: number }>;
  /** Runs each step (default: at once). */
  step?: <T>(work: () => Promise<T>) => Promise<T>;
}

function dateRange(versions: readonly BaseVersion[]): { from: number; to: number } {
  let from = Infinity;
  let to = -Infinity;
  for (const v of versions) {
    from = Math.min(from, v.dateAdded);
    to = Math.max(to, v.dateAdded);
  }
  return { from, to };
}

/**
 * Objects that reference none first, then the others, each after what it references (a
 * report sees the indicators published with it), then the relationships and sightings.
 */
async function referencesFirst(versions: readonly BaseVersion[]): Promise<BaseVersion[]> {
  const refs = new Map<BaseVersion, string[]>();
  for (let i = 0; i < versions.length; i++) {
    const v = versions[i] as BaseVersion;
    // Parsed here without being kept (publishStep says why).
    refs.set(v, referencedObjectIds(JSON.parse(v.json) as StixObject));
    if (i % ORDER_SLICE === ORDER_SLICE - 1) await pause();
  }
  const refsOf = (v: BaseVersion) => refs.get(v) ?? [];
  return [
    ...versions.filter((v) => !SRO_TYPES.has(v.type) && refsOf(v).length === 0),
    ...referencedFirst(versions.filter((v) => !SRO_TYPES.has(v.type) && refsOf(v).length > 0), refsOf),
    ...versions.filter((v) => SRO_TYPES.has(v.type)),
  ];
}

export class FanOut {
  constructor(
    private readonly store: ObjectStore & DistributionLedger & AuditLogStore,
    private readonly directory: LiveDirectory,
    private readonly inputs: DecisionInputs,
    private readonly views: ViewWriter,
    private readonly baseVersions: BaseVersions,
    private readonly now: () => number,
  ) {}

  /**
   * Distributes base versions just added to `collectionId` to every class of readers, settles them,
   * and records the distribution in the audit log.
   *
   * In steps of a few milliseconds each (`options.step` runs each, e.g. through the
   * distribution queue, so that other publishes and policy changes take turns with a large
   * one), in an order where every object comes after what it references: when a step is
   * decided, whatever it references from the same publish is already in the views.
   * `options.settle`: the date_added ranges of the collection holding these versions and
   * nothing else (by default, the one from the first to the last of them).
   */
  async publish(collectionId: string, versions: BaseVersion[], options: PublishOptions): Promise<void> {
    const step = options.step ?? ((work) => work());
    this.inputs.learnMarkings(versions);
    const ordered = await referencesFirst(versions);
    const tally = new DistributionTally();
    for (let start = 0; start < ordered.length; ) {
      if (start > 0) await pause();
      start = await step(() => this.publishStep(collectionId, ordered, start, options.keepDates, tally));
    }
    for (const { from, to } of options.settle ?? [dateRange(versions)]) {
      await step(() => this.store.settleVersions(collectionId, from, to));
      await pause();
    }
    await step(async () => {
      if (tally.audiences.size === 0) return;
      const provider = versions[0]?.provider;
      await this.store.appendAudit([
        distributionAuditEntry({ collectionId, audiences: tally.audiences, versions: versions.length, at: this.now(), ...(provider !== undefined ? { memberId: provider } : {}) }),
      ]);
    });
  }

  /**
   * Distributes the versions from `ordered[start]` on, as many as make about ROWS_PER_STEP
   * view rows; returns where the next step starts. The views are written only under the
   * policy they were decided with: if another process changed the directory meanwhile,
   * the step is decided again under the new one (its own re-materialisation covers
   * whatever was written before the change).
   */
  private async publishStep(collectionId: string, ordered: BaseVersion[], start: number, keepDates: boolean, tally: DistributionTally): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const snapshot = await this.directory.refresh();
      const classes = audienceClasses(snapshot).readersOf(collectionId);
      const end = stepEnd(ordered, start, classes.length);
      const counted = new DistributionTally();
      try {
        // Copies: what is parsed of a version (base-versions.ts parsedObject) is kept with it,
        // and these die with the step, where the publish's versions live to its end.
        const versions = ordered.slice(start, end).map((v) => ({ ...v }));
        await this.inputs.learnMarkingsNamedBy(snapshot, versions);
        await this.toReaders(snapshot, classes, collectionId, versions, {
          keepDates,
          tally: counted,
          directoryRevision: snapshot.revision,
          fromPending: true,
        });
        tally.add(counted);
        return end;
      } catch (e) {
        if (!(e instanceof DirectoryConflict) || attempt >= MAX_ATTEMPTS) throw e;
      }
    }
  }

  /**
   * Decides `versions` for every class, then writes every class's rows in one store
   * transaction, then decides again what was waiting for the objects just made visible.
   */
  private async toReaders(snapshot: DirectorySnapshot, classes: readonly AudienceClass[], collectionId: string, versions: BaseVersion[], options: ReaderDistribution): Promise<void> {
    const tally = options.tally ?? new DistributionTally();
    const visible: VisibleRows[] = [];
    const released: Array<{ classId: string; objectIds: string[] }> = [];
    const decisions: ReaderDecisions = { keepDates: options.keepDates, dateOf: options.dateOf, deferred: [], releases: await this.inputs.releasedFor(snapshot, versions) };
    const { deferred } = decisions;
    let since = performance.now();
    for (const cls of classes) {
      // Many classes, or large objects: other requests are served between classes.
      if (performance.now() - since > DECIDING_MS) {
        await pause();
        since = performance.now();
      }
      const before = deferred.length;
      const { rows, visibleNow } = await this.decideForClass(snapshot, cls, collectionId, versions, decisions);
      const put = new Set(deferred.slice(before).map((x) => `${x.objectId} ${x.versionKey}`)).size;
      const members = cls.members.map((m) => m.id);
      tally.count(cls.id, members, 'visible', rows.length);
      tally.count(cls.id, members, 'deferred', put);
      tally.count(cls.id, members, 'hidden', versions.length - rows.length - put);
      if (rows.length === 0) continue;
      visible.push({ classId: cls.id, collectionId, rows });
      released.push({ classId: cls.id, objectIds: visibleNow });
    }
    // The views first: a conflict (directoryRevision) then leaves nothing behind to undo. A
    // crash between the two leaves the base versions pending, and recovery decides again.
    await this.views.addVisible(visible, { directoryRevision: options.directoryRevision, recoverable: options.fromPending === true });
    await this.views.defer(deferred);
    // Relationships that were waiting for these objects may now be decided.
    for (const { classId, objectIds } of released) await this.redecide(snapshot, await this.store.takeWaitingFor(classId, objectIds));
  }

  /**
   * Distributes base versions of one collection to one class (a class being built, see
   * class-builds.ts), under the directory revision of `snapshot`; `dateOf` gives each row
   * its date_added (the store still keeps them increasing).
   */
  async toClass(snapshot: DirectorySnapshot, cls: AudienceClass, collectionId: string, versions: BaseVersion[], dateOf: RowDates): Promise<void> {
    const ordered = await referencesFirst(versions);
    await this.toReaders(snapshot, [cls], collectionId, ordered, { keepDates: false, dateOf, directoryRevision: snapshot.revision });
  }

  /**
   * The rows of `versions` (base versions of one collection) that a class being built may
   * see now in the very form `kept` knows, dated as `kept` says (class-builds.ts copies
   * what its seed held this way); nothing is written, and nothing put off is recorded.
   */
  async keptRows(snapshot: DirectorySnapshot, cls: AudienceClass, collectionId: string, versions: BaseVersion[], kept: RowDates): Promise<NewObjectVersion[]> {
    const decisions: ReaderDecisions = { keepDates: false, dateOf: kept, deferred: [], releases: await this.inputs.releasedFor(snapshot, versions) };
    const { rows } = await this.decideForClass(snapshot, cls, collectionId, versions, decisions);
    return rows.filter((row) => row.dateAdded !== undefined);
  }

  /**
   * Decides deferred versions again (closure events, releases), each for its class; a
   * decision of a class nobody is in any more, or that no longer reads the collection, is
   * dropped (a class's members are moved with their views recomputed: rematerialisation.ts).
   */
  async redecide(snapshot: DirectorySnapshot, items: DeferredDecision[], tally?: DistributionTally): Promise<void> {
    const classes = audienceClasses(snapshot);
    const groups = new Map<string, { cls: AudienceClass; collectionId: string; versions: BaseVersion[] }>();
    for (const item of items) {
      const cls = classes.byClassId(item.reader);
      if (!cls || !cls.collections.has(item.baseCollection)) continue;
      const base = await this.baseVersions.one(item.baseCollection, item.objectId, item.versionKey);
      if (!base) continue;
      const key = `${item.reader} ${item.baseCollection}`;
      const group = groups.get(key) ?? { cls, collectionId: item.baseCollection, versions: [] };
      if (!group.versions.some((v) => v.id === base.id && v.versionKey === base.versionKey)) group.versions.push(base);
      groups.set(key, group);
    }
    for (const group of groups.values()) await this.toReaders(snapshot, [group.cls], group.collectionId, group.versions, { keepDates: false, tally });
  }

  /**
   * Decides `versions` of one collection for one class (for its first member: every member
   * is decided alike): the rows it may see now (and their base ids); what is put off goes
   * to `decisions.deferred`.
   */
  private async decideForClass(
    snapshot: DirectorySnapshot,
    cls: AudienceClass,
    collectionId: string,
    versions: BaseVersion[],
    decisions: ReaderDecisions,
  ): Promise<{ rows: NewObjectVersion[]; visibleNow: string[] }> {
    const { keepDates, dateOf, deferred, releases } = decisions;
    const asReader = this.inputs.classReader(snapshot, cls);
    const visibleNow = new Set<string>();
    const rows: NewObjectVersion[] = [];
    const now = this.now();
    // What the reader already sees of everything these versions reference: one query
    // for the whole publish, not one per reference (each is a round trip on MongoDB).
    const refsOf = new Map<BaseVersion, string[]>();
    const asked: string[] = [];
    for (const v of versions) {
      const refs = referencedObjectIds(parsedObject(v));
      if (refs.length === 0) continue;
      refsOf.set(v, refs);
      for (const ref of refs) {
        asked.push(ref);
        const alias = this.inputs.servedAs(snapshot, ref);
        if (alias !== undefined) asked.push(alias);
      }
    }
    const present = asked.length > 0 ? await this.views.seenAmong(cls.id, asked) : new Set<string>();
    for (const v of versions) {
      const object = parsedObject(v);
      const refs = refsOf.get(v) ?? [];
      const known = new Map<string, boolean>();
      for (const ref of refs) {
        const alias = this.inputs.servedAs(snapshot, ref);
        known.set(ref, visibleNow.has(ref) || present.has(ref) || (alias !== undefined && present.has(alias)));
      }
      const decision = decide(asReader, object, this.inputs.contextFor(snapshot, v, known, releases));
      if (!decision.allow) {
        for (const ref of decision.waitingFor ?? []) {
          deferred.push({ reader: cls.id, baseCollection: collectionId, objectId: v.id, versionKey: v.versionKey, waitingFor: ref });
        }
        continue;
      }
      if (decision.visibleFrom !== undefined && decision.visibleFrom > now) {
        deferred.push({ reader: cls.id, baseCollection: collectionId, objectId: v.id, versionKey: v.versionKey, dueAt: decision.visibleFrom });
        continue;
      }
      visibleNow.add(v.id);
      const row = derivedRow(v, collectionId, decision, object);
      if (dateOf !== undefined) {
        const at = dateOf(versionRowKey(row.id, v.versionKey), row.json === '' ? v.json : row.json);
        rows.push(at !== undefined ? { ...row, dateAdded: at } : row);
      } else rows.push({ ...row, ...(keepDates ? { dateAdded: v.dateAdded } : {}) });
    }
    // Decided objects first, referring objects after; written in the base order, so that a
    // view lists them as the collection does (the store keeps date_added increasing).
    if (keepDates || dateOf !== undefined) rows.sort((a, b) => (a.dateAdded ?? Infinity) - (b.dateAdded ?? Infinity));
    return { rows, visibleNow: [...visibleNow] };
  }
}

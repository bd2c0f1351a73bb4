// Background builds of audience classes' views after a policy change. A class nobody was
// in starts empty, so that its members, whose reads moved to it with the change, see at
// once nothing they may not see; its views are then filled from the base collections a
// page at a time, each page one task of the distribution queue, so that publishes go on
// between pages. What the seed class held in the same form keeps its date_added there;
// the rest is dated as it is added; the store keeps every view's date_added increasing,
// so an added_after poller misses nothing however the pages and publishes interleave.
// Then members who came from other classes catch up (ViewWriter.catchUp), and classes
// nobody is in any more are dropped once no job needs them.
//
// A job is kept in the store with its progress: a process that stops mid-build leaves it
// to the next one to resume (at start, or on its periodic tick), and a claim with an
// expiry makes one process at a time work it.
import { setImmediate } from 'node:timers/promises';
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import { audienceClasses, type AudienceClass } from '../access/audience-classes';
import type { DirectorySnapshot } from '../access/directory-snapshot';
import type { LiveDirectory } from '../access/live-directory';
import { feedPartition, viewPartition } from '../directory/hub-ids';
import { DirectoryConflict } from '../directory/records';
import type { AuditLogStore, ClassBuild, DistributionLedger, NewObjectVersion, ObjectStore } from '../store/store';
import { versionKey } from '../vocabulary/time';
import type { BaseVersions } from './base-versions';
import type { DistributionQueue } from './distribution-queue';
import type { DecisionInputs } from './decision-inputs';
import type { FanOut, RowDates } from './fan-out';
import { STORE_PAGE } from './partition-rows';
import { versionRowKey, type ViewWriter } from './view-writer';

/** How long a claim on a job lasts without being renewed (each page renews it). */
const CLAIM_MS = 30_000;

/** A job's progress as the admin API shows it. */
export interface BuildProgress {
  classId: string;
  members: number;
  collections: number;
  collectionsDone: number;
  build: boolean;
  /** Of the class's feed and views, how many were copied from its seed (the first step of a build). */
  keptFromSeed: number;
  catchingUp: number;
  createdAt: string;
}

export class ClassBuilds {
  private readonly owner = crypto.randomUUID();
  private working: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly store: ObjectStore & DistributionLedger & AuditLogStore,
    private readonly directory: LiveDirectory,
    private readonly queue: DistributionQueue,
    private readonly fanOut: FanOut,
    private readonly inputs: DecisionInputs,
    private readonly views: ViewWriter,
    private readonly baseVersions: BaseVersions,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  /** Works every job this process may take, in the background; resolves when none is left. */
  work(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    this.working ??= this.workAll().finally(() => {
      this.working = undefined;
    });
    return this.working;
  }

  /**
   * Stops after the page in hand and lets go of the job (before the store closes): another
   * process, or the next start, resumes it at once.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.working;
  }

  /** Waits until the jobs are done, or `ms` have passed; true when done. */
  async settle(ms: number): Promise<boolean> {
    const work = this.work();
    if (ms === Infinity) {
      await work;
      return true;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const done = await Promise.race([work.then(() => true as const), timeout]);
    if (timer !== undefined) clearTimeout(timer);
    return done;
  }

  /** The jobs not finished, with their progress. */
  async progress(snapshot: DirectorySnapshot): Promise<BuildProgress[]> {
    const classes = audienceClasses(snapshot);
    return (await this.store.classBuilds()).map((b) => ({
      classId: b.classId,
      members: classes.byClassId(b.classId)?.members.length ?? 0,
      collections: b.collections.length,
      collectionsDone: b.build ? b.done : b.collections.length,
      build: b.build,
      keptFromSeed: b.seed === undefined ? 0 : Math.min(b.kept ?? 0, b.collections.length + 1),
      catchingUp: b.sources.length,
      createdAt: new Date(b.createdAt).toISOString(),
    }));
  }

  private async workAll(): Promise<void> {
    for (;;) {
      let worked = false;
      for (const job of await this.store.classBuilds()) {
        if (this.stopping) return;
        if (!(await this.store.claimClassBuild(job.classId, this.owner, this.now() + CLAIM_MS, this.now()))) continue;
        worked = true;
        try {
          await this.run(job);
        } catch (e) {
          // Left in the store, claimed until the claim expires: retried then, here or elsewhere.
          this.logger.error({ err: e, classId: job.classId }, 'building an audience class failed; it will be retried');
          return;
        }
      }
      if (!worked) return;
    }
  }

  private async run(first: ClassBuild): Promise<void> {
    let job: ClassBuild | undefined = first;
    while (job !== undefined) {
      if (this.stopping) {
        await this.store.claimClassBuild(job.classId, this.owner, 0, this.now());
        return;
      }
      const current: ClassBuild = job;
      job = await this.queue.run(() => this.step(current));
      // The embedded store answers synchronously: without a turn of the event loop between
      // pages, a build would hold every request (and its own waiter's timer) until it ends.
      await setImmediate();
      if (job !== undefined && !(await this.store.claimClassBuild(job.classId, this.owner, this.now() + CLAIM_MS, this.now()))) return;
    }
  }

  /** One page of a job; returns the job as it stands after it, or undefined once finished. */
  private async step(claimed: ClassBuild): Promise<ClassBuild | undefined> {
    // As kept: a policy change may have joined sources to it since.
    const job = (await this.store.classBuilds()).find((b) => b.classId === claimed.classId);
    if (job === undefined) return undefined;
    const snapshot = await this.directory.refresh();
    const cls = audienceClasses(snapshot).byClassId(job.classId);
    if (cls === undefined) {
      // Nobody is in it any more (a later change): nothing to build.
      await this.finish(job, snapshot);
      return undefined;
    }
    if (job.build && job.seed !== undefined && (job.kept ?? 0) <= job.collections.length) {
      const next = await this.keepPage(snapshot, cls, job, job.seed);
      await this.store.putClassBuilds([next]);
      return next;
    }
    if (job.build && job.done < job.collections.length) {
      const next = await this.buildPage(snapshot, cls, job);
      await this.store.putClassBuilds([next]);
      return next;
    }
    for (const source of job.sources) await this.views.catchUp(cls.id, source, cls.collections);
    await this.finish(job, snapshot);
    return undefined;
  }

  /**
   * One page of what the seed holds, in the seed's order, copied with the seed's date_added
   * wherever the class may see it now in the same form: its feed first, then each view.
   * Done before anything else is added, so that nothing added meanwhile pushes those dates
   * later (the store keeps date_added increasing): a member that followed the seed is not
   * sent again what it already has.
   */
  private async keepPage(snapshot: DirectorySnapshot, cls: AudienceClass, job: ClassBuild, seed: string): Promise<ClassBuild> {
    const at = job.kept ?? 0;
    const collectionId = at === 0 ? undefined : (job.collections[at - 1] as string);
    const next = { ...job, kept: at + 1, keptAfter: undefined };
    if (collectionId !== undefined && !cls.collections.has(collectionId)) return next;
    const from = collectionId === undefined ? feedPartition(seed) : viewPartition(seed, collectionId);
    const page = await this.store.queryObjects({ partition: from, versions: { all: true }, limit: STORE_PAGE, withJson: true, ...(job.keptAfter !== undefined ? { after: job.keptAfter } : {}) });
    const last = page.records[page.records.length - 1];
    if (last === undefined) return next;
    const seen = new Map(page.records.map((r) => [versionRowKey(r.id, versionKey(r.version) as string), { at: r.dateAdded, json: r.json ?? '' }]));
    const kept: RowDates = (key, served) => {
      const row = seen.get(key);
      return row !== undefined && row.json === served ? row.at : undefined;
    };
    const baseIds = page.records.map((r) => this.inputs.baseIdOf(snapshot, r.id));
    const rows: NewObjectVersion[] = [];
    const placed = new Set<string>();
    // A row of the feed may come from any collection the class reads; of a view, from its own.
    for (const c of collectionId === undefined ? [...cls.collections] : [collectionId]) {
      const versions = (await this.baseVersions.among(c, baseIds)).filter((v) => !placed.has(`${v.id} ${v.versionKey}`));
      if (versions.length === 0) continue;
      for (const row of await this.fanOut.keptRows(snapshot, cls, c, versions, kept)) {
        placed.add(`${row.baseObjectId ?? row.id} ${row.versionKey as string}`);
        rows.push(row);
      }
    }
    rows.sort((a, b) => (a.dateAdded as number) - (b.dateAdded as number));
    const to = collectionId === undefined ? feedPartition(cls.id) : viewPartition(cls.id, collectionId);
    try {
      await this.store.addObjectsToMany([{ partition: to, versions: rows }], { directoryRevision: snapshot.revision });
    } catch (e) {
      // The directory changed meanwhile: this page is decided again under the new one.
      if (e instanceof DirectoryConflict) return job;
      throw e;
    }
    return { ...job, keptAfter: last.dateAdded };
  }

  private async buildPage(snapshot: DirectorySnapshot, cls: AudienceClass, job: ClassBuild): Promise<ClassBuild> {
    const collectionId = job.collections[job.done] as string;
    if (!cls.collections.has(collectionId)) return { ...job, done: job.done + 1, after: undefined };
    const versions = await this.baseVersions.page(collectionId, job.after, STORE_PAGE);
    const last = versions[versions.length - 1];
    if (last === undefined) return { ...job, done: job.done + 1, after: undefined };
    const seeded = job.seed === undefined ? new Map<string, { at: number; json: string }>() : await this.seedRows(viewPartition(job.seed, collectionId), versions.map((v) => v.id));
    try {
      await this.fanOut.toClass(snapshot, cls, collectionId, versions, (key, served) => {
        const seen = seeded.get(key);
        return seen !== undefined && seen.json === served ? seen.at : undefined;
      });
    } catch (e) {
      // The directory changed meanwhile: this page is decided again under the new one.
      if (e instanceof DirectoryConflict) return job;
      throw e;
    }
    return { ...job, after: last.dateAdded };
  }

  /** What the seed's view holds of these objects: date_added and served JSON, by versionRowKey. */
  private async seedRows(partition: string, ids: string[]): Promise<Map<string, { at: number; json: string }>> {
    const out = new Map<string, { at: number; json: string }>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += STORE_PAGE) {
      let after: number | undefined;
      for (;;) {
        const page = await this.store.queryObjects({ partition, ids: unique.slice(i, i + STORE_PAGE), versions: { all: true }, limit: STORE_PAGE, withJson: true, ...(after !== undefined ? { after } : {}) });
        for (const r of page.records) out.set(versionRowKey(r.id, versionKey(r.version) as string), { at: r.dateAdded, json: r.json ?? '' });
        if (!page.more) break;
        after = page.records[page.records.length - 1]?.dateAdded;
      }
    }
    return out;
  }

  /** Drops the classes this job retires that nobody is in and no other job needs, then forgets the job. */
  private async finish(job: ClassBuild, snapshot: DirectorySnapshot): Promise<void> {
    const classes = audienceClasses(snapshot);
    const others = (await this.store.classBuilds()).filter((b) => b.classId !== job.classId);
    const needed = new Set(others.flatMap((b) => [b.classId, ...(b.seed !== undefined ? [b.seed] : []), ...b.sources]));
    const retire = [...job.retire, ...(classes.byClassId(job.classId) === undefined ? [job.classId] : [])];
    const collections = [...snapshot.collections.values()].filter((c) => !snapshot.isFeed(c.id)).map((c) => c.id);
    for (const id of retire) {
      if (classes.byClassId(id) !== undefined || needed.has(id)) continue;
      await this.views.drop(id, collections);
    }
    // Retired classes still needed go on with the jobs that need them.
    const pass = retire.filter((id) => needed.has(id) && classes.byClassId(id) === undefined);
    if (pass.length > 0 && others[0] !== undefined) await this.store.putClassBuilds([{ ...others[0], retire: [...new Set([...others[0].retire, ...pass])] }]);
    await this.store.finishClassBuild(job.classId);
    await this.store.appendAudit([
      {
        at: this.now(),
        kind: 'admin',
        action: 'sharing.class.built',
        details: { class: job.classId, members: classes.byClassId(job.classId)?.members.length ?? 0, collections: job.collections.length, built: job.build, caughtUp: job.sources.length },
      },
    ]);
  }
}

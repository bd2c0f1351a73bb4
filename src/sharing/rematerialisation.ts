// Re-materialisation on policy change, per audience class (access/audience-classes.ts).
// A directory change may move members to other classes, create classes or empty some; a
// change to providers' terms gives every class a new id (access/provider-terms.ts).
//   - A class nobody was in starts empty, at the revision that made it, so its members see
//     nothing they may not; it is built in the background (class-builds.ts), keeping the
//     date_added of what the class most of its members come from held in the same form
//     (so a poller that followed it misses nothing); newly visible versions get a new one.
//   - Members who moved in from another class get every version of their new views they
//     may not have seen dated after what they may have polled (ViewWriter.catchUp), also
//     in the background: what the class holds, they may see.
//   - A class nobody is in any more is dropped, once no job needs it.
import { audienceClasses, type AudienceClass } from '../access/audience-classes';
import { DirectorySnapshot } from '../access/directory-snapshot';
import { nowMicros } from '../vocabulary/time';
import type { LiveDirectory } from '../access/live-directory';
import type { DirectoryData } from '../directory/records';
import type { ClassBuild, DeferredDecision } from '../store/store';
import { parsedObject, referencedFirst, SRO_TYPES, type BaseVersion, type BaseVersions, type ReleasedObjects } from './base-versions';
import { decide } from './decide';
import type { DecisionInputs } from './decision-inputs';
import { derivedRow } from './derived-row';
import { STORE_PAGE } from './partition-rows';
import { referencedObjectIds } from './references';
import { versionRowKey, type ViewSeed, type ViewWriter, type WantedRow } from './view-writer';

/** A base version of a readable collection, waiting to be decided for the member. */
interface Candidate {
  collectionId: string;
  version: BaseVersion;
}

export class Rematerialisation {
  constructor(
    private readonly directory: LiveDirectory,
    private readonly inputs: DecisionInputs,
    private readonly views: ViewWriter,
    private readonly baseVersions: BaseVersions,
    private readonly now: () => number,
  ) {}

  /**
   * After a directory change (see the top of this file): does at once what hides, and
   * returns the jobs that add (class-builds.ts), for the caller to record and run.
   */
  async rematerialise(before: DirectoryData): Promise<ClassBuild[]> {
    const snapshot = await this.directory.refresh();
    const old = audienceClasses(new DirectorySnapshot(before));
    const now = audienceClasses(snapshot);
    const existed = new Set(before.members.map((m) => m.id));
    const retire = [...old.all()].filter((cls) => now.byClassId(cls.id) === undefined).map((cls) => cls.id);
    const builds: ClassBuild[] = [];
    const job = (cls: AudienceClass, build: boolean, sources: string[], seed?: string): ClassBuild => ({
      classId: cls.id,
      collections: [...cls.collections],
      build,
      ...(seed !== undefined ? { seed } : {}),
      sources,
      retire,
      done: 0,
      createdAt: this.now(),
      revision: snapshot.revision,
    });
    for (const cls of now.all()) {
      // Where its members come from: members new to the hub have seen nothing.
      const from = new Map<string, AudienceClass>();
      const count = new Map<string, number>();
      for (const m of cls.members) {
        const was = existed.has(m.id) ? old.of(m.id) : undefined;
        if (was === undefined || was.id === cls.id) continue;
        from.set(was.id, was);
        count.set(was.id, (count.get(was.id) ?? 0) + 1);
      }
      if (old.byClassId(cls.id) === undefined && !(await this.views.holdsAny(cls.id))) {
        // Empty, so its members see nothing they may not: built in the background.
        let seed: AudienceClass | undefined;
        for (const [id, n] of count) if (seed === undefined || n > (count.get(seed.id) ?? 0)) seed = from.get(id);
        builds.push(job(cls, true, [...from.keys()].filter((id) => id !== seed?.id), seed?.id));
        continue;
      }
      // A class id that was in use before, and whose views were kept: recomputed now.
      if (old.byClassId(cls.id) === undefined) await this.rebuildClass(snapshot, cls);
      if (from.size > 0) builds.push(job(cls, false, [...from.keys()]));
    }
    if (builds.length === 0) {
      for (const cls of old.all()) if (now.byClassId(cls.id) === undefined) await this.views.drop(cls.id, cls.collections);
    }
    return builds;
  }

  /**
   * Recomputes every view of one class from the base collections (for its first member:
   * all are decided alike); views built anew start from `seed` (ViewWriter.replaceView).
   */
  async rebuildClass(snapshot: DirectorySnapshot, cls: AudienceClass, seed?: ViewSeed): Promise<void> {
    const decidedAt = nowMicros();
    await this.views.forgetDeferred(cls.id);
    const readable = [...cls.collections].map((id) => snapshot.collections.get(id)).filter((c) => c !== undefined);
    const feedWanted = new Map<string, WantedRow>();
    const reader = this.inputs.classReader(snapshot, cls);
    const now = this.now();
    // Objects that reference none first, then the others (each after what it references),
    // relationships last, over every
    // readable collection: closure and redaction see the member's new visible set, not the old one.
    const visible = new Set<string>();
    const referring: Candidate[] = [];
    const sros: Candidate[] = [];
    const wanted = new Map<string, Map<string, WantedRow>>();
    const deferred: DeferredDecision[] = [];
    const consider = ({ collectionId, version }: Candidate, releases: ReleasedObjects) => {
      const object = parsedObject(version);
      const known = new Map(referencedObjectIds(object).map((ref) => [ref, visible.has(ref)]));
      const decision = decide(reader, object, this.inputs.contextFor(snapshot, version, known, releases));
      if (!decision.allow) {
        for (const ref of decision.waitingFor ?? []) {
          deferred.push({ reader: cls.id, baseCollection: collectionId, objectId: version.id, versionKey: version.versionKey, waitingFor: ref });
        }
        return;
      }
      if (decision.visibleFrom !== undefined && decision.visibleFrom > now) {
        deferred.push({ reader: cls.id, baseCollection: collectionId, objectId: version.id, versionKey: version.versionKey, dueAt: decision.visibleFrom });
        return;
      }
      visible.add(version.id);
      const row = derivedRow(version, collectionId, decision, object);
      const w = { row, served: row.json === '' ? version.json : row.json };
      // Keyed by the id the row is served under (a pseudonymised identity has its pseudonym's),
      // as the stored rows are: otherwise each rebuild would re-add it with a new date_added.
      const key = versionRowKey(row.id, version.versionKey);
      wanted.get(collectionId)?.set(key, w);
      feedWanted.set(key, w);
    };
    // A page of versions at a time, with the releases of their providers fetched at once.
    const considerPage = async (page: Candidate[]) => {
      const releases = await this.inputs.releasedFor(snapshot, page.map((p) => p.version));
      for (const candidate of page) consider(candidate, releases);
    };
    for (const c of readable) {
      wanted.set(c.id, new Map());
      let page: Candidate[] = [];
      for await (const version of this.baseVersions.all(c.id)) {
        if (SRO_TYPES.has(version.type)) sros.push({ collectionId: c.id, version });
        else if (referencedObjectIds(parsedObject(version)).length > 0) referring.push({ collectionId: c.id, version });
        else page.push({ collectionId: c.id, version });
        if (page.length >= STORE_PAGE) {
          await considerPage(page);
          page = [];
        }
      }
      await considerPage(page);
    }
    const byReference = referencedFirst(
      referring.map((candidate) => candidate.version),
      (version) => referencedObjectIds(parsedObject(version)),
    );
    const candidateOf = new Map(referring.map((candidate) => [candidate.version, candidate]));
    const ordered = byReference.map((version) => candidateOf.get(version) as Candidate);
    for (let i = 0; i < ordered.length; i += STORE_PAGE) await considerPage(ordered.slice(i, i + STORE_PAGE));
    for (let i = 0; i < sros.length; i += STORE_PAGE) await considerPage(sros.slice(i, i + STORE_PAGE));
    const options = { decidedAt, ...(seed !== undefined ? { seed } : {}) };
    for (const [collectionId, rows] of wanted) await this.views.replaceView(cls.id, collectionId, rows, options);
    await this.views.replaceFeed(cls.id, feedWanted, options);
    await this.views.defer(deferred);
  }
}

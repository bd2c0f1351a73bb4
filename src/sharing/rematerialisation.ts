// Re-materialisation on policy change: when a directory change alters what a member may
// see, its views are recomputed from the base collections before the change's request
// returns: newly visible versions are added with a new date_added, hidden ones deleted.
import type { DirectorySnapshot } from '../access/directory-snapshot';
import type { LiveDirectory } from '../access/live-directory';
import type { DirectoryData, MemberRecord } from '../directory/records';
import type { DeferredDecision } from '../store/store';
import { parsedObject, referencedFirst, SRO_TYPES, type BaseVersion, type BaseVersions, type ReleasedObjects } from './base-versions';
import { decide } from './decide';
import type { DecisionInputs } from './decision-inputs';
import { derivedRow } from './derived-row';
import { STORE_PAGE } from './partition-rows';
import { referencedObjectIds } from './references';
import { versionRowKey, type ViewWriter, type WantedRow } from './view-writer';

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
   * After a directory change: every member whose inputs to decide() changed gets its
   * views recomputed (added, replaced, deleted).
   */
  async rematerialise(before: DirectoryData, after: DirectoryData): Promise<void> {
    const snapshot = await this.directory.refresh();
    const everyone = sharedFingerprint(before) !== sharedFingerprint(after);
    for (const member of snapshot.members.values()) {
      if (!everyone && memberFingerprint(before, member.id, snapshot) === memberFingerprint(after, member.id, snapshot)) continue;
      await this.rebuildMember(snapshot, member);
    }
  }

  /** Recomputes every view of one member from the base collections. */
  private async rebuildMember(snapshot: DirectorySnapshot, member: MemberRecord): Promise<void> {
    await this.views.forgetDeferred(member.id);
    const readable = [...snapshot.collections.values()].filter((c) => !snapshot.isFeed(c.id) && this.inputs.readersOf(snapshot, c.id).some((m) => m.id === member.id));
    const readableIds = new Set(readable.map((c) => c.id));
    // Views of collections the member may no longer read are emptied.
    for (const c of snapshot.collections.values()) {
      if (!readableIds.has(c.id) && !snapshot.isFeed(c.id)) await this.views.replaceView(member.id, c.id, new Map());
    }
    const feedWanted = new Map<string, WantedRow>();
    const reader = this.inputs.readerFor(snapshot, member);
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
          deferred.push({ reader: member.id, baseCollection: collectionId, objectId: version.id, versionKey: version.versionKey, waitingFor: ref });
        }
        return;
      }
      if (decision.visibleFrom !== undefined && decision.visibleFrom > now) {
        deferred.push({ reader: member.id, baseCollection: collectionId, objectId: version.id, versionKey: version.versionKey, dueAt: decision.visibleFrom });
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
    for (const [collectionId, rows] of wanted) await this.views.replaceView(member.id, collectionId, rows);
    await this.views.replaceFeed(member.id, feedWanted);
    await this.views.defer(deferred);
  }
}

/** What decide() reads about every member at once: the MOUs, and every member's groups and identity. */
function sharedFingerprint(data: DirectoryData): string {
  return JSON.stringify([data.mous ?? [], data.members.map((m) => [m.id, m.groups, m.identityRef])]);
}

/** Everything about a member's own standing that decide() reads. */
function memberFingerprint(data: DirectoryData, memberId: string, snapshot: DirectorySnapshot): string {
  const member = data.members.find((m) => m.id === memberId);
  const acl = data.acl.filter((a) => a.grantee === 'everyone' || a.grantee === `member:${memberId}` || (member?.groups ?? []).some((g) => a.grantee === `group:${g}`));
  const owned = data.collections.filter((c) => c.owner === memberId).map((c) => c.id);
  return JSON.stringify([member?.groups ?? [], member?.identityRef, acl, owned, data.collections.map((c) => c.id), snapshot.feedOf(memberId)?.id]);
}

// What decide() reads besides the object: the reader and its MOU, the provider and its
// MOU, the marking definitions the hub holds, the providers' releases, the pseudonyms.
// Distribution and explanations (explain.ts) build their decisions here, so that an
// explanation is the decision distribution made.
import { audienceClasses, representative, type AudienceClass } from '../access/audience-classes';
import type { DirectorySnapshot } from '../access/directory-snapshot';
import type { MemberRecord } from '../directory/records';
import { defaultMou, type Mou } from '../directory/mou';
import type { DistributionLedger, ObjectStore } from '../store/store';
import type { StixObject } from '../stix/rules/rule';
import { NO_RELEASES, parsedObject, type BaseVersion, type ReleasedObjects } from './base-versions';
import { decide } from './decide';
import type { Decision, DecisionContext, Reader } from './decision';
import type { HubIdentities } from './hub-identities';
import { effectiveMarking, isStandardMarking, markingRefsOf } from './markings';
import { STORE_PAGE } from './partition-rows';

/** How long a marking definition found nowhere is not asked for again (ms). */
const MISSING_MARKING_MS = 10_000;

export class DecisionInputs {
  private readonly markings = new Map<string, StixObject>();
  /** Marking ids found in no collection, until when they are not asked for again. */
  private readonly missingMarkings = new Map<string, number>();
  /** Per directory snapshot: member identities by the pseudonym they are served under. */
  private readonly pseudonymsOf = new WeakMap<DirectorySnapshot, Map<string, string>>();

  constructor(
    private readonly store: ObjectStore & DistributionLedger,
    private readonly identities: HubIdentities,
  ) {}

  /** Learns the marking definitions the hub holds (IEP and other custom markings), once at start. */
  async loadMarkings(snapshot: DirectorySnapshot): Promise<number> {
    for (const c of snapshot.collections.values()) {
      if (snapshot.isFeed(c.id)) continue;
      let after: number | undefined;
      for (;;) {
        const page = await this.store.queryObjects({
          partition: c.id,
          types: ['marking-definition'],
          versions: { first: false, last: true, exact: [] },
          limit: STORE_PAGE,
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

  /**
   * Learns the marking definitions these versions name that this process does not know yet
   * from the store: another process (a worker, another server over MongoDB) stored them.
   * An id found nowhere is asked again after MISSING_MARKING_MS, not at every publish.
   */
  async learnMarkingsNamedBy(snapshot: DirectorySnapshot, versions: readonly BaseVersion[]): Promise<void> {
    const now = Date.now();
    const unknown = new Set<string>();
    for (const v of versions) {
      for (const id of markingRefsOf(parsedObject(v))) {
        if (isStandardMarking(id) || this.markings.has(id)) continue;
        if ((this.missingMarkings.get(id) ?? 0) > now) continue;
        unknown.add(id);
      }
    }
    if (unknown.size === 0) return;
    const ids = [...unknown];
    for (const c of snapshot.collections.values()) {
      if (snapshot.isFeed(c.id)) continue;
      const page = await this.store.queryObjects({ partition: c.id, ids, types: ['marking-definition'], versions: { first: false, last: true, exact: [] }, limit: ids.length, withJson: true });
      for (const r of page.records) this.markings.set(r.id, JSON.parse(r.json as string) as StixObject);
    }
    for (const id of ids) if (!this.markings.has(id)) this.missingMarkings.set(id, now + MISSING_MARKING_MS);
  }

  /** Learns the marking definitions among versions just published, before they are decided. */
  learnMarkings(versions: readonly BaseVersion[]): void {
    for (const v of versions) if (v.type === 'marking-definition') this.markings.set(v.id, JSON.parse(v.json) as StixObject);
  }

  /** The members whose views of `collectionId` are kept: those who may read it (suspended or not). */
  readersOf(snapshot: DirectorySnapshot, collectionId: string): MemberRecord[] {
    return [...snapshot.members.values()].filter((m) => {
      // Suspended members too: their views stay current, so that they miss nothing when resumed.
      const access = snapshot.accessOf(m.id, 'publisher', { evenIfSuspended: true }).get(collectionId);
      return access === 'r' || access === 'rw';
    });
  }

  mouOf(snapshot: DirectorySnapshot, memberId: string): Mou {
    return snapshot.mous.get(memberId) ?? defaultMou(memberId);
  }

  /** A member as decide() sees it: with its MOU. */
  readerFor(snapshot: DirectorySnapshot, member: MemberRecord): Reader {
    return { member, mou: this.mouOf(snapshot, member.id) };
  }

  /** An audience class as decide() sees it: its representative, with the MOU its members share. */
  classReader(snapshot: DirectorySnapshot, cls: AudienceClass): Reader {
    return { member: representative(cls), mou: this.mouOf(snapshot, (cls.members[0] as MemberRecord).id) };
  }

  /** The pseudonym a member's identity object may be served under, when `id` is a member's identity. */
  servedAs(snapshot: DirectorySnapshot, id: string): string | undefined {
    if (!id.startsWith('identity--')) return undefined;
    const member = snapshot.memberWithIdentity(id);
    return member === undefined ? undefined : this.identities.pseudonymOf(member.id);
  }

  /** The id a row served as `servedId` has in the base collections (a pseudonym's member identity). */
  baseIdOf(snapshot: DirectorySnapshot, servedId: string): string {
    if (!servedId.startsWith('identity--')) return servedId;
    let identities = this.pseudonymsOf.get(snapshot);
    if (identities === undefined) {
      identities = new Map();
      for (const m of snapshot.members.values()) if (m.identityRef !== undefined) identities.set(this.identities.pseudonymOf(m.id), m.identityRef);
      this.pseudonymsOf.set(snapshot, identities);
    }
    return identities.get(servedId) ?? servedId;
  }

  /**
   * For the providers of `versions` whose MOU embargoes until released: which of these
   * versions' objects each has released (one store query per provider, not per version).
   */
  async releasedFor(snapshot: DirectorySnapshot, versions: readonly BaseVersion[]): Promise<ReleasedObjects> {
    const byProvider = new Map<string, string[]>();
    for (const v of versions) {
      if (v.provider === undefined || !this.mouOf(snapshot, v.provider).provide.embargoUntilReleased) continue;
      let ids = byProvider.get(v.provider);
      if (ids === undefined) byProvider.set(v.provider, (ids = []));
      ids.push(v.id);
    }
    if (byProvider.size === 0) return NO_RELEASES;
    const released = new Map<string, ReadonlySet<string>>();
    for (const [provider, ids] of byProvider) released.set(provider, await this.store.releasedAmong(provider, ids));
    return released;
  }

  /**
   * The decision for one base version and one reader, exactly as distribution makes it
   * (explanations use it); `releases` from releasedFor (none released when absent).
   */
  decisionFor(snapshot: DirectorySnapshot, reader: MemberRecord, version: BaseVersion, known: ReadonlyMap<string, boolean>, releases: ReleasedObjects = NO_RELEASES): Decision {
    // A member sharing its class is decided as the class for what it published itself
    // (see representative()); for everything else, as itself, so that reasons name it.
    const cls = audienceClasses(snapshot).of(reader.id);
    if (cls !== undefined && cls.members.length > 1 && version.provider === reader.id) return this.classDecision(snapshot, cls, version, known, releases);
    return decide(this.readerFor(snapshot, reader), JSON.parse(version.json) as StixObject, this.contextFor(snapshot, version, known, releases));
  }

  /** The decision for one base version and one audience class, as distribution makes it. */
  classDecision(snapshot: DirectorySnapshot, cls: AudienceClass, version: BaseVersion, known: ReadonlyMap<string, boolean>, releases: ReleasedObjects = NO_RELEASES): Decision {
    return decide(this.classReader(snapshot, cls), JSON.parse(version.json) as StixObject, this.contextFor(snapshot, version, known, releases));
  }

  /**
   * The context of a decision on `version`: `known` answers relationship closure (whether
   * the reader sees a referenced object), `releases` from releasedFor.
   */
  contextFor(snapshot: DirectorySnapshot, version: BaseVersion, known: ReadonlyMap<string, boolean>, releases: ReleasedObjects = NO_RELEASES): DecisionContext {
    const provider = (version.provider !== undefined ? snapshot.members.get(version.provider) : undefined) ?? this.identities.unknownProvider;
    const released = releases.get(provider.id);
    return {
      provider,
      providerMou: this.mouOf(snapshot, provider.id),
      publishedAt: version.publishedAt,
      members: snapshot.members,
      markingDefinition: (id) => this.markings.get(id),
      isVisibleToReader: (id) => known.get(id),
      pseudonymOf: (memberId) => this.identities.pseudonymOf(memberId),
      hubIdentity: this.identities.hub,
      isReleased: (objectId) => released?.has(objectId) === true,
    };
  }

  /**
   * TLP 2.0 AMBER+STRICT (hub rules): the recipient may not republish it to shared
   * collections. An AMBER+STRICT object attributed to another organisation, posted anywhere
   * but the publisher's own outbox, is refused with this reason; undefined when allowed.
   */
  republishRefusal(snapshot: DirectorySnapshot, publisherId: string, collectionId: string, object: StixObject): string | undefined {
    const collection = snapshot.collections.get(collectionId);
    if (collection?.owner === publisherId) return undefined;
    const publisher = snapshot.members.get(publisherId);
    const author = object.created_by_ref;
    if (typeof author !== 'string' || author === publisher?.identityRef) return undefined;
    const marking = effectiveMarking(object, { markingDefinition: (id) => this.markings.get(id) }, 'clear');
    if (marking.level !== 'amber+strict') return undefined;
    return `${String(object.id)}: TLP:AMBER+STRICT intelligence of another organisation (${author}) may not be republished to a shared collection (TLP 2.0: the recipient's organisation only)`;
  }
}

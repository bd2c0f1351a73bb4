// Explainability: why a member does or does not see an object, and what it sees
// of every collection. Two gates decide, in order, exactly as distribution applies them:
//   1. collection access (src/access/directory-snapshot.ts): the member must be active and
//      read the collection — as its owner or through an ACL entry naming it, one of its
//      groups or everyone (the distributor keeps views only for those readers);
//   2. the decision (decide.ts), made by Distributor.decisionFor with the context the
//      distributor builds, relationship closure asking the member's feed.
// Each explanation also looks at the member's materialised view of the collection: a
// version the decision allows (and whose embargo is over) must be in it, any other must
// not; a mismatch is reported (`consistent: false`) rather than hidden.
import type { DirectorySnapshot } from '../access/directory-snapshot';
import type { AclEntry, CollectionRecord, MemberRecord } from '../directory/records';
import type { ObjectStore, StoredVersion } from '../store/store';
import type { StixObject } from '../stix/rules/rule';
import { versionKey } from '../vocabulary/time';
import type { Decision, Reason, Transform } from './decision';
import { type BaseVersion, type Distributor, toBase } from './distributor';
import { referencedObjectIds } from './references';
import type { MarkingLevel } from '../directory/mou';
import { feedPartition, viewPartition } from '../directory/hub-ids';
import { audienceClasses } from '../access/audience-classes';

/** The member or the object asked about does not exist (the API answers 404). */
export class NothingToExplain extends Error {
  override readonly name = 'NothingToExplain';
  readonly status = 404;
}

/** What explain and simulate need of the sharing layer (sharing.ts `Sharing`). */
export interface ExplainSharing {
  distributor: Pick<Distributor, 'decisionFor' | 'readersOf' | 'releasedFor'>;
}

const PAGE = 1000;

// ---------------------------------------------------------------------------------------
// Gate 1: collection access

export interface AccessExplanation {
  /** Whether the member reads the collection (and so has a view of it). */
  read: boolean;
  /** Every fact that decided it: `owner`, `acl` (an entry granting read), `suspended`, `no-read-access`. */
  reasons: Reason[];
}

function grantLabel(entry: AclEntry): string {
  return entry.read && entry.write ? 'read and write' : entry.read ? 'read' : entry.write ? 'write only' : 'nothing';
}

/** Why `member` may or may not read `collection` (mirrors DirectorySnapshot.accessOf). */
export function explainAccess(snapshot: DirectorySnapshot, sharing: ExplainSharing, member: MemberRecord, collection: CollectionRecord): AccessExplanation {
  const read = sharing.distributor.readersOf(snapshot, collection.id).some((reader) => reader.id === member.id);
  const reasons: Reason[] = [];
  const collectionId = collection.id;
  if (member.status !== 'active') {
    reasons.push({ rule: 'suspended', text: `${member.id} is ${member.status}: it reads no collection` });
    return { read, reasons };
  }
  if (collection.owner === member.id) reasons.push({ rule: 'owner', text: `${member.id} owns collection ${collectionId}` });
  const grantees = new Map<string, string>([
    ['everyone', 'everyone'],
    [`member:${member.id}`, 'named'],
    ...member.groups.filter((group) => snapshot.groups.has(group)).map((group): [string, string] => [`group:${group}`, `in group:${group}`]),
  ]);
  const others: string[] = [];
  for (const entry of snapshot.acl(collectionId)) {
    const how = grantees.get(entry.grantee);
    if (how === undefined) {
      others.push(entry.grantee);
      continue;
    }
    const text = `ACL entry ${entry.grantee} grants ${grantLabel(entry)} on collection ${collectionId}; ${member.id} is ${how}`;
    if (entry.read) reasons.push({ rule: 'acl', text });
    else reasons.push({ rule: 'no-read-access', text });
  }
  if (!reasons.some((reason) => reason.rule === 'owner' || reason.rule === 'acl')) {
    const held = others.length > 0 ? ` (its entries name ${others.join(', ')})` : ' (it has no ACL entry)';
    reasons.push({ rule: 'no-read-access', text: `${member.id} does not own collection ${collectionId} and no ACL entry grants it read${held}` });
  }
  return { read, reasons };
}

// ---------------------------------------------------------------------------------------
// Reading the store


async function* rows(store: ObjectStore, collectionId: string, opts: { ids?: string[]; latest?: boolean; withJson: boolean }): AsyncGenerator<StoredVersion> {
  let after: number | undefined;
  for (;;) {
    const page = await store.queryObjects({
      partition: collectionId,
      ...(opts.ids !== undefined ? { ids: opts.ids } : {}),
      versions: opts.latest === true ? { first: false, last: true, exact: [] } : { all: true },
      limit: PAGE,
      withJson: opts.withJson,
      ...(after !== undefined ? { after } : {}),
    });
    for (const row of page.records) yield row;
    if (!page.more || page.records.length === 0) return;
    after = page.records[page.records.length - 1]?.dateAdded;
  }
}

/** `id versionKey` of every row in a partition (or of one object's rows). */
async function keysIn(store: ObjectStore, partition: string, ids?: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const row of rows(store, partition, { ...(ids !== undefined ? { ids } : {}), withJson: false })) out.add(`${row.id} ${versionKey(row.version) as string}`);
  return out;
}

/** `id versionKey` of what the member's audience class holds of a collection (none without a class). */
async function heldBy(snapshot: DirectorySnapshot, store: ObjectStore, memberId: string, collectionId: string, ids?: string[]): Promise<Set<string>> {
  const cls = audienceClasses(snapshot).of(memberId);
  return cls === undefined ? new Set() : keysIn(store, viewPartition(cls.id, collectionId), ids);
}

/** Closure and redaction, as distribution asks them: is each referenced object in the feed of the member's audience class? */
async function knownRefs(snapshot: DirectorySnapshot, store: ObjectStore, memberId: string, object: StixObject, inFeed: Map<string, boolean>): Promise<Map<string, boolean>> {
  const cls = audienceClasses(snapshot).of(memberId);
  const known = new Map<string, boolean>();
  if (cls === undefined) return known;
  const feed = feedPartition(cls.id);
  for (const ref of referencedObjectIds(object)) {
    let held = inFeed.get(ref);
    if (held === undefined) inFeed.set(ref, (held = await store.hasObject(feed, ref)));
    known.set(ref, held);
  }
  return known;
}

// ---------------------------------------------------------------------------------------
// explain

/** visible: in the view; embargoed: allowed later; waiting: closure; hidden: refused; no-read-access: gate 1. */
export type VersionStatus = 'visible' | 'embargoed' | 'waiting' | 'hidden' | 'no-read-access';

export interface DecisionExplanation {
  allow: boolean;
  marking: MarkingLevel;
  reasons: Reason[];
  transforms: Transform[];
  /** RFC 3339 */
  visibleFrom?: string;
  waitingFor?: string[];
}

export interface VersionExplanation {
  version: string;
  /** RFC 3339: when the version was published to the collection. */
  dateAdded: string;
  provider?: string;
  latest: boolean;
  status: VersionStatus;
  /** The decision (absent when the member does not read the collection: it is not made). */
  decision?: DecisionExplanation;
  /** Whether the member's view of the collection should hold it, and whether it does. */
  expectedInView: boolean;
  inView: boolean;
  consistent: boolean;
  /** Why a mismatch may be expected (e.g. an embargo over but not yet released). */
  note?: string;
}

export interface CollectionExplanation {
  collectionId: string;
  apiRoot: string;
  title: string;
  access: AccessExplanation;
  versions: VersionExplanation[];
}

export interface Explanation {
  member: string;
  object: string;
  /** Whether the member sees the object's latest version in at least one collection. */
  visible: boolean;
  /** False when any version's view disagrees with its decision. */
  consistent: boolean;
  collections: CollectionExplanation[];
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoMicros = (us: number) => iso(Math.floor(us / 1000));

function decisionJson(decision: Decision): DecisionExplanation {
  return {
    allow: decision.allow,
    marking: decision.marking,
    reasons: decision.reasons,
    transforms: decision.transforms,
    // Held until the provider releases it: no instant (the embargo reason says so).
    ...(decision.visibleFrom !== undefined && decision.visibleFrom < Number.MAX_SAFE_INTEGER ? { visibleFrom: iso(decision.visibleFrom) } : {}),
    ...(decision.waitingFor !== undefined ? { waitingFor: decision.waitingFor } : {}),
  };
}

function statusOf(decision: Decision, now: number): VersionStatus {
  if (!decision.allow) return decision.waitingFor !== undefined && decision.waitingFor.length > 0 ? 'waiting' : 'hidden';
  return decision.visibleFrom !== undefined && decision.visibleFrom > now ? 'embargoed' : 'visible';
}

function knownMember(snapshot: DirectorySnapshot, memberId: string): MemberRecord {
  const member = snapshot.members.get(memberId);
  if (member === undefined) throw new NothingToExplain(`There is no member '${memberId}'.`);
  return member;
}

/** The base (non-feed) collections, in a stable order. */
function baseCollections(snapshot: DirectorySnapshot): CollectionRecord[] {
  return [...snapshot.collections.values()]
    .filter((collection) => !snapshot.isFeed(collection.id))
    .sort((a, b) => a.apiRoot.localeCompare(b.apiRoot) || a.title.localeCompare(b.title) || a.id.localeCompare(b.id));
}

/**
 * Why `memberId` does or does not see `objectId`, in every collection holding it, version
 * by version. Throws NothingToExplain for an unknown member or an object no collection holds.
 */
export async function explain(snapshot: DirectorySnapshot, store: ObjectStore, sharing: ExplainSharing, memberId: string, objectId: string, now = Date.now()): Promise<Explanation> {
  const member = knownMember(snapshot, memberId);
  const collections: CollectionExplanation[] = [];
  const inFeed = new Map<string, boolean>();
  for (const collection of baseCollections(snapshot)) {
    const versions: BaseVersion[] = [];
    for await (const row of rows(store, collection.id, { ids: [objectId], withJson: true })) versions.push(toBase(row));
    if (versions.length === 0) continue;
    versions.sort((a, b) => a.versionKey.localeCompare(b.versionKey) || a.dateAdded - b.dateAdded);
    const latestKey = versions[versions.length - 1]?.versionKey;
    const access = explainAccess(snapshot, sharing, member, collection);
    // Looked at even without read access: a view left behind is a leak to report.
    const inView = await heldBy(snapshot, store, member.id, collection.id, [objectId]);
    const explained: VersionExplanation[] = [];
    for (const version of versions) {
      const held = inView.has(`${version.id} ${version.versionKey}`);
      const base = {
        version: version.version,
        dateAdded: isoMicros(version.dateAdded),
        ...(version.provider !== undefined ? { provider: version.provider } : {}),
        latest: version.versionKey === latestKey,
      };
      if (!access.read) {
        explained.push({ ...base, status: 'no-read-access', expectedInView: false, inView: held, consistent: !held });
        continue;
      }
      const object = JSON.parse(version.json) as StixObject;
      const known = await knownRefs(snapshot, store, member.id, object, inFeed);
      const decision = sharing.distributor.decisionFor(snapshot, member, version, known, await sharing.distributor.releasedFor(snapshot, [version]));
      const status = statusOf(decision, now);
      const expected = status === 'visible';
      const explanation: VersionExplanation = { ...base, status, decision: decisionJson(decision), expectedInView: expected, inView: held, consistent: expected === held };
      if (!explanation.consistent) {
        if (expected && decision.visibleFrom !== undefined) explanation.note = 'the embargo is over; the version is added to the view at the next release run';
        else if (expected) explanation.note = 'the decision allows this version but the view does not hold it';
        else explanation.note = 'the view holds a version the decision no longer allows';
      }
      explained.push(explanation);
    }
    collections.push({ collectionId: collection.id, apiRoot: collection.apiRoot, title: collection.title, access, versions: explained });
  }
  if (collections.length === 0) throw new NothingToExplain(`No collection holds an object '${objectId}'.`);
  return {
    member: member.id,
    object: objectId,
    visible: collections.some((collection) => collection.versions.some((version) => version.latest && version.status === 'visible')),
    consistent: collections.every((collection) => collection.versions.every((version) => version.consistent)),
    collections,
  };
}

// ---------------------------------------------------------------------------------------
// simulate

export interface CollectionSimulation {
  collectionId: string;
  apiRoot: string;
  title: string;
  access: AccessExplanation;
  /** Objects in the collection (their latest versions). */
  total: number;
  /** Latest versions the member sees now. */
  visible: number;
  hidden: number;
  /** Hidden latest versions by the rule that refused them (`no-read-access` for gate 1; `embargo` for embargoed ones). */
  hiddenBy: Record<string, number>;
  /** Latest versions the member's view holds. */
  inView: number;
  /** Whether the view holds exactly the latest versions the decisions allow. */
  consistent: boolean;
  /** Up to 20 object ids whose view disagrees with the decision. */
  inconsistent?: string[];
}

export interface Simulation {
  member: string;
  total: number;
  visible: number;
  hidden: number;
  hiddenBy: Record<string, number>;
  consistent: boolean;
  collections: CollectionSimulation[];
}

const MAX_LISTED = 20;

/** The rule a hidden version is counted under. */
function hiddenRule(decision: Decision): string {
  if (decision.allow) return 'embargo';
  return decision.reasons[decision.reasons.length - 1]?.rule ?? 'unknown';
}

function bump(counts: Record<string, number>, rule: string, by = 1): void {
  counts[rule] = (counts[rule] ?? 0) + by;
}

/** Per collection: how many objects `memberId` sees, and why the rest are hidden. */
export async function simulate(snapshot: DirectorySnapshot, store: ObjectStore, sharing: ExplainSharing, memberId: string, now = Date.now()): Promise<Simulation> {
  const member = knownMember(snapshot, memberId);
  const collections: CollectionSimulation[] = [];
  const inFeed = new Map<string, boolean>();
  for (const collection of baseCollections(snapshot)) {
    const access = explainAccess(snapshot, sharing, member, collection);
    const inView = await heldBy(snapshot, store, member.id, collection.id);
    const hiddenBy: Record<string, number> = {};
    const inconsistent: string[] = [];
    let total = 0;
    let visible = 0;
    let held = 0;
    let mismatches = 0;
    for await (const row of rows(store, collection.id, { latest: true, withJson: access.read })) {
      total++;
      const version = access.read ? toBase(row) : undefined;
      const inViewNow = inView.has(`${row.id} ${versionKey(row.version) as string}`);
      if (inViewNow) held++;
      let sees = false;
      if (version === undefined) bump(hiddenBy, 'no-read-access');
      else {
        const known = await knownRefs(snapshot, store, member.id, JSON.parse(version.json) as StixObject, inFeed);
        const decision = sharing.distributor.decisionFor(snapshot, member, version, known, await sharing.distributor.releasedFor(snapshot, [version]));
        sees = statusOf(decision, now) === 'visible';
        if (sees) visible++;
        else bump(hiddenBy, hiddenRule(decision));
      }
      if (sees !== inViewNow) {
        mismatches++;
        if (inconsistent.length < MAX_LISTED) inconsistent.push(row.id);
      }
    }
    collections.push({
      collectionId: collection.id,
      apiRoot: collection.apiRoot,
      title: collection.title,
      access,
      total,
      visible,
      hidden: total - visible,
      hiddenBy,
      inView: held,
      consistent: mismatches === 0,
      ...(mismatches > 0 ? { inconsistent } : {}),
    });
  }
  const hiddenBy: Record<string, number> = {};
  for (const collection of collections) for (const [rule, count] of Object.entries(collection.hiddenBy)) bump(hiddenBy, rule, count);
  const total = collections.reduce((sum, collection) => sum + collection.total, 0);
  const visible = collections.reduce((sum, collection) => sum + collection.visible, 0);
  const consistent = collections.every((collection) => collection.consistent);
  return { member: member.id, total, visible, hidden: total - visible, hiddenBy, consistent, collections };
}

// Distribution in the audit log, in aggregate (distribution-audit.ts), is read with explanations.
export { DistributionTally, distributionAuditEntry, summariseDistribution, type AudienceCounts, type ReaderCounts } from './distribution-audit';

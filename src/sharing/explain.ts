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
//
// The audit log records distribution in aggregate: summariseDistribution() turns the
// per-reader counts of one publish into the details of one `objects.distribute` entry.
import type { DirectorySnapshot } from '../access/directory-snapshot';
import type { AclEntry, CollectionRecord, MemberRecord } from '../directory/records';
import type { Store, StoredVersion } from '../store/store';
import type { StixObject } from '../stix/rules/rule';
import { versionKey } from '../vocabulary/time';
import type { Decision, Reason, Transform } from './decision';
import { type BaseVersion, type Distributor, referencedIds, toBase } from './distributor';
import type { MarkingLevel } from '../directory/mou';
import { feedCollectionId, viewPartition } from '../directory/hub-ids';

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
const SRO_TYPES = new Set(['relationship', 'sighting']);

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
export function explainAccess(d: DirectorySnapshot, sharing: ExplainSharing, member: MemberRecord, collection: CollectionRecord): AccessExplanation {
  const read = sharing.distributor.readersOf(d, collection.id).some((m) => m.id === member.id);
  const reasons: Reason[] = [];
  const c = collection.id;
  if (member.status !== 'active') {
    reasons.push({ rule: 'suspended', text: `${member.id} is ${member.status}: it reads no collection` });
    return { read, reasons };
  }
  if (collection.owner === member.id) reasons.push({ rule: 'owner', text: `${member.id} owns collection ${c}` });
  const grantees = new Map<string, string>([
    ['everyone', 'everyone'],
    [`member:${member.id}`, 'named'],
    ...member.groups.filter((g) => d.groups.has(g)).map((g): [string, string] => [`group:${g}`, `in group:${g}`]),
  ]);
  const others: string[] = [];
  for (const entry of d.acl(c)) {
    const how = grantees.get(entry.grantee);
    if (how === undefined) {
      others.push(entry.grantee);
      continue;
    }
    const text = `ACL entry ${entry.grantee} grants ${grantLabel(entry)} on collection ${c}; ${member.id} is ${how}`;
    if (entry.read) reasons.push({ rule: 'acl', text });
    else reasons.push({ rule: 'no-read-access', text });
  }
  if (!reasons.some((r) => r.rule === 'owner' || r.rule === 'acl')) {
    const held = others.length > 0 ? ` (its entries name ${others.join(', ')})` : ' (it has no ACL entry)';
    reasons.push({ rule: 'no-read-access', text: `${member.id} does not own collection ${c} and no ACL entry grants it read${held}` });
  }
  return { read, reasons };
}

// ---------------------------------------------------------------------------------------
// Reading the store


async function* rows(store: Store, collectionId: string, opts: { ids?: string[]; latest?: boolean; withJson: boolean }): AsyncGenerator<StoredVersion> {
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
    for (const r of page.records) yield r;
    if (!page.more || page.records.length === 0) return;
    after = page.records[page.records.length - 1]?.dateAdded;
  }
}

/** `id versionKey` of every row in a partition (or of one object's rows). */
async function keysIn(store: Store, partition: string, ids?: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const r of rows(store, partition, { ...(ids !== undefined ? { ids } : {}), withJson: false })) out.add(`${r.id} ${versionKey(r.version) as string}`);
  return out;
}

/** Closure, as distribution asks it: is each referenced object in the member's feed? */
async function knownRefs(store: Store, memberId: string, object: StixObject, cache: Map<string, boolean>): Promise<Map<string, boolean>> {
  const feed = viewPartition(memberId, feedCollectionId(memberId));
  const known = new Map<string, boolean>();
  if (!SRO_TYPES.has(String(object.type))) return known;
  for (const ref of referencedIds(object)) {
    let has = cache.get(ref);
    if (has === undefined) cache.set(ref, (has = await store.hasObject(feed, ref)));
    known.set(ref, has);
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

function knownMember(d: DirectorySnapshot, memberId: string): MemberRecord {
  const member = d.members.get(memberId);
  if (member === undefined) throw new NothingToExplain(`There is no member '${memberId}'.`);
  return member;
}

/** The base (non-feed) collections, in a stable order. */
function baseCollections(d: DirectorySnapshot): CollectionRecord[] {
  return [...d.collections.values()].filter((c) => !d.isFeed(c.id)).sort((a, b) => a.apiRoot.localeCompare(b.apiRoot) || a.title.localeCompare(b.title) || a.id.localeCompare(b.id));
}

/**
 * Why `memberId` does or does not see `objectId`, in every collection holding it, version
 * by version. Throws NothingToExplain for an unknown member or an object no collection holds.
 */
export async function explain(d: DirectorySnapshot, store: Store, sharing: ExplainSharing, memberId: string, objectId: string, now = Date.now()): Promise<Explanation> {
  const member = knownMember(d, memberId);
  const collections: CollectionExplanation[] = [];
  const cache = new Map<string, boolean>();
  for (const c of baseCollections(d)) {
    const versions: BaseVersion[] = [];
    for await (const r of rows(store, c.id, { ids: [objectId], withJson: true })) versions.push(toBase(r));
    if (versions.length === 0) continue;
    versions.sort((a, b) => a.versionKey.localeCompare(b.versionKey) || a.dateAdded - b.dateAdded);
    const latestKey = versions[versions.length - 1]?.versionKey;
    const access = explainAccess(d, sharing, member, c);
    // Looked at even without read access: a view left behind is a leak to report.
    const inView = await keysIn(store, viewPartition(member.id, c.id), [objectId]);
    const out: VersionExplanation[] = [];
    for (const v of versions) {
      const held = inView.has(`${v.id} ${v.versionKey}`);
      const base = { version: v.version, dateAdded: isoMicros(v.dateAdded), ...(v.provider !== undefined ? { provider: v.provider } : {}), latest: v.versionKey === latestKey };
      if (!access.read) {
        out.push({ ...base, status: 'no-read-access', expectedInView: false, inView: held, consistent: !held });
        continue;
      }
      const object = JSON.parse(v.json) as StixObject;
      const decision = sharing.distributor.decisionFor(d, member, v, await knownRefs(store, member.id, object, cache), await sharing.distributor.releasedFor(d, [v]));
      const status = statusOf(decision, now);
      const expected = status === 'visible';
      const e: VersionExplanation = { ...base, status, decision: decisionJson(decision), expectedInView: expected, inView: held, consistent: expected === held };
      if (!e.consistent) {
        if (expected && decision.visibleFrom !== undefined) e.note = 'the embargo is over; the version is added to the view at the next release run';
        else if (expected) e.note = 'the decision allows this version but the view does not hold it';
        else e.note = 'the view holds a version the decision no longer allows';
      }
      out.push(e);
    }
    collections.push({ collectionId: c.id, apiRoot: c.apiRoot, title: c.title, access, versions: out });
  }
  if (collections.length === 0) throw new NothingToExplain(`No collection holds an object '${objectId}'.`);
  return {
    member: member.id,
    object: objectId,
    visible: collections.some((c) => c.versions.some((v) => v.latest && v.status === 'visible')),
    consistent: collections.every((c) => c.versions.every((v) => v.consistent)),
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
export async function simulate(d: DirectorySnapshot, store: Store, sharing: ExplainSharing, memberId: string, now = Date.now()): Promise<Simulation> {
  const member = knownMember(d, memberId);
  const collections: CollectionSimulation[] = [];
  const cache = new Map<string, boolean>();
  for (const c of baseCollections(d)) {
    const access = explainAccess(d, sharing, member, c);
    const inView = await keysIn(store, viewPartition(member.id, c.id));
    const hiddenBy: Record<string, number> = {};
    const inconsistent: string[] = [];
    let total = 0;
    let visible = 0;
    let held = 0;
    let mismatches = 0;
    for await (const row of rows(store, c.id, { latest: true, withJson: access.read })) {
      total++;
      const v = access.read ? toBase(row) : undefined;
      const key = `${row.id} ${versionKey(row.version) as string}`;
      const has = inView.has(key);
      if (has) held++;
      let sees = false;
      if (v === undefined) bump(hiddenBy, 'no-read-access');
      else {
        const decision = sharing.distributor.decisionFor(
          d,
          member,
          v,
          await knownRefs(store, member.id, JSON.parse(v.json) as StixObject, cache),
          await sharing.distributor.releasedFor(d, [v]),
        );
        sees = statusOf(decision, now) === 'visible';
        if (sees) visible++;
        else bump(hiddenBy, hiddenRule(decision));
      }
      if (sees !== has) {
        mismatches++;
        if (inconsistent.length < MAX_LISTED) inconsistent.push(row.id);
      }
    }
    collections.push({
      collectionId: c.id,
      apiRoot: c.apiRoot,
      title: c.title,
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
  for (const c of collections) for (const [rule, n] of Object.entries(c.hiddenBy)) bump(hiddenBy, rule, n);
  const total = collections.reduce((n, c) => n + c.total, 0);
  const visible = collections.reduce((n, c) => n + c.visible, 0);
  return { member: member.id, total, visible, hidden: total - visible, hiddenBy, consistent: collections.every((c) => c.consistent), collections };
}

// The audit in aggregate lives in distribution-audit.ts (the distributor records it).
export { DistributionTally, distributionAuditEntry, summariseDistribution, type ReaderCounts } from './distribution-audit';

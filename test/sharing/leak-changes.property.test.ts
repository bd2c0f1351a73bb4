// The property-based leak test under change: the existing property
// (leak.property.test.ts) builds a random world and publishes after every directory change.
// This one changes the world after the objects are published, and checks every member
// after every step against an oracle recomputed for the current directory:
//
//   1. 1–3 random directory changes through the admin service (a MOU replaced or removed,
//      an ACL entry granted or revoked, a member moved between groups, a member suspended
//      or resumed), interleaved with 1–3 changes that move the world's read-only readers
//      (test/helpers/sharing-world.ts) between audience classes: a reader takes another
//      template's terms (its MOU, its groups, or all of them in one change), then its own
//      back; every reader of a template takes another template's terms, or fresh ones, at
//      once; a reader gains read+write on a collection (a class of one), publishes there,
//      and loses the write again. Each re-materialises views (src/sharing/distributor.ts
//      rematerialise); the test config waits for the classes built in the background.
//   2. DELETE: a member with read+write that cannot see an object gets 404 and nothing
//      changes for anyone; then a writer with read+write deletes an object it can see
//      (every version, or match[version]=<one>): one it published disappears from every
//      view; one another member published is refused (403) and nothing changes.
//   3. Suspension: a suspended member gets 403 on every read; objects are published while
//      it is suspended; after it is resumed it sees exactly the oracle's set, those included.
//
// After every step, for every principal: the full paged objects/ (every version and the
// latest) and manifest/ equal the oracle exactly (ids, versions, bodies); every id of the
// world it may not see is 404 by id; no hidden id or token appears in any response; and
// every version newly visible since its last read (a move to another class included) has a
// date_added later than the X-TAXII-Date-Added-Last of that read, so that polling with
// added_after = that instant returns it. All of it for the admin, the core members, every
// member that may write, one of the first two readers of each template (in turns), and the
// readers a reader change moves (two at most) at its steps; the other readers, to keep the
// run time reasonable, with one-page reads and no reads by id: their ids, versions and
// bodies, leaks and what became visible since their last read are checked all the same.
//
// The oracle decides a member that shares its class with others as that class for what it
// published itself (a reader that published while it could write), as distribution does
// (docs/sharing.md). With the real app's classes, the test checks that the readers of a
// template share one class, that a reader given write access is a class of one, and that a
// reader given its own terms back is in its class again; and it counts over the runs the
// worlds with classes of several members, the moves to another class and into a class of
// several, and the newly visible versions checked for members that moved, with a minimum
// for each, so that the property cannot silently come down to classes of one.
//
// CHANGES_SEED / CHANGES_RUNS change the seed and the number of runs; CHANGES_SHRINK=1 shrinks.
// Two bugs it found, since fixed, are reproduced by the two tests at the end; should one come
// back, CHANGES_REBUILD_ON_RESUME=1 and CHANGES_REBUILD_AFTER_DELETE=1 force a rebuild of
// every member's views after a resumption / a deletion, to look past it.
import { propertyRuns } from '../helpers/test-store';
import type { Server } from 'node:http';
import fc from 'fast-check';
import request from 'supertest';
import { decide } from '../../src/sharing/decide';
import type { DecisionContext, Reader } from '../../src/sharing/decision';
import {
  DEFAULT_PROVIDER_TERMS,
  DEFAULT_RECIPIENT_TERMS,
  MARKING_LEVELS,
  defaultMou,
  type AudienceClause,
  type Mou,
} from '../../src/directory/mou';
import { applyTransforms } from '../../src/sharing/transforms';
import { referencedObjectIds } from '../../src/sharing/references';
import type { StixObject } from '../../src/stix/rules/rule';
import type { DirectoryChange, DirectoryData, MemberRecord } from '../../src/directory/records';
import { audienceClasses, type AudienceClasses } from '../../src/access/audience-classes';
import { DirectorySnapshot } from '../../src/access/directory-snapshot';
import { termsEpoch } from '../../src/access/provider-terms';
import {
  ADMIN,
  LONG_EMBARGO_HOURS,
  OBJECT_TYPES,
  ROOT,
  TLP_IDS,
  buildWorld,
  groupId,
  identityOf,
  memberId,
  templateArb,
  templateGroups,
  tokenOf,
  worldArbitrary,
  worldUuid,
  type AclSpec,
  type Published,
  type TemplateSpec,
  type World,
  type WorldSpec,
} from '../helpers/sharing-world';
import { TAXII } from '../helpers/test-app';

const SEED = Number(process.env.CHANGES_SEED ?? 20260502);
const RUNS = Number(process.env.CHANGES_RUNS ?? propertyRuns(20));

// ---------------------------------------------------------------------------------------
// Generation of the changes (MOUs as in sharing-world.ts, which does not export them)

function audiences(memberCount: number, groupCount: number): string[] {
  return [
    'everyone',
    ...Array.from({ length: groupCount }, (_, i) => `group:${groupId(i)}`),
    ...Array.from({ length: memberCount }, (_, i) => `member:${memberId(i)}`),
  ];
}

function optional<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.option(arb, { nil: undefined, freq: 2 });
}

function clauseArb(memberCount: number, groupCount: number): fc.Arbitrary<AudienceClause> {
  const all = audiences(memberCount, groupCount);
  return fc
    .record({
      markings: optional(fc.subarray([...MARKING_LEVELS], { minLength: 1 })),
      types: optional(fc.subarray([...OBJECT_TYPES], { minLength: 1 })),
      to: fc.subarray(all, { minLength: 1, maxLength: 3 }),
      except: optional(fc.subarray(all, { minLength: 1, maxLength: 2 })),
    })
    .map((c) => {
      const out: AudienceClause = { to: c.to };
      if (c.markings !== undefined) out.markings = c.markings;
      if (c.types !== undefined) out.types = c.types;
      if (c.except !== undefined) out.except = c.except;
      return out;
    });
}

function mouArb(member: string, memberCount: number, groupCount: number): fc.Arbitrary<Mou> {
  const all = audiences(memberCount, groupCount);
  const level = fc.constantFrom(...MARKING_LEVELS);
  return fc
    .record({
      defaultMarking: level,
      audiences: fc.array(clauseArb(memberCount, groupCount), { maxLength: 3 }),
      attribution: fc.constantFrom('keep', 'pseudonymise', 'hub') as fc.Arbitrary<Mou['provide']['attribution']>,
      strip: fc.subarray(['x_internal_*', 'external_references']),
      embargo: fc.boolean(),
      types: optional(fc.subarray([...OBJECT_TYPES], { minLength: 1 })),
      markingCeiling: level,
      sources: optional(fc.subarray(all, { minLength: 1, maxLength: 3 })),
      acceptPseudonymised: fc.boolean(),
      relationshipClosed: fc.boolean(),
    })
    .map((r) => {
      const receive: Mou['receive'] = {
        ...DEFAULT_RECIPIENT_TERMS,
        markingCeiling: r.markingCeiling,
        acceptPseudonymised: r.acceptPseudonymised,
        relationshipClosed: r.relationshipClosed,
      };
      if (r.types !== undefined) receive.types = r.types;
      if (r.sources !== undefined) receive.sources = r.sources;
      return {
        memberId: member,
        provide: {
          ...DEFAULT_PROVIDER_TERMS,
          defaultMarking: r.defaultMarking,
          audiences: r.audiences,
          attribution: r.attribution,
          strip: r.strip,
          embargoHours: r.embargo ? LONG_EMBARGO_HOURS : 0,
        },
        receive,
      };
    });
}

type Change =
  | { kind: 'mou'; member: number; mou: Mou | undefined }
  | { kind: 'acl'; collection: number; grantee: string; read: boolean; write: boolean }
  | { kind: 'move'; member: number; groups: number[] }
  | { kind: 'status'; member: number };

/** Where readers go: another template's terms, or terms no template has (`fresh`, read by grants to each reader). */
interface Target {
  template: number;
  fresh: TemplateSpec;
  useFresh: boolean;
}

/**
 * Changes that move read-only readers (sharing-world.ts) between audience classes:
 *   - visit: one reader takes another template's terms (all of them in one change, or only
 *     its MOU, or only its groups), then its own back;
 *   - migrate: every reader of a template takes another's terms at once;
 *   - write: a reader gains read+write on a collection (a class of one), publishes there,
 *     and loses the write again (its class again, its own objects decided as its class's);
 *     `first`: the reader of the template whose id sorts first, the member a class of
 *     several is listed under first.
 */
type ReaderChange =
  | { kind: 'visit'; reader: number; to: Target; how: 'all' | 'mou' | 'groups' }
  | { kind: 'migrate'; template: number; to: Target }
  | { kind: 'write'; reader: number; first: boolean; collection: number; objects: NewObject[] };

interface NewObject {
  kind: 'indicator' | 'malware' | 'relationship' | 'sighting';
  collection: number;
  writer: number;
  marking: string | undefined;
  internalNote: boolean;
  createdBy: boolean;
  refs: number[];
}

interface Scenario {
  world: WorldSpec;
  changes: Change[];
  /** Reader changes, and how they interleave with `changes` (true: the next of `changes`). */
  moves: ReaderChange[];
  order: boolean[];
  del: { writer: number; object: number; oneVersion: boolean; version: number; intruder: number; intruderObject: number };
  suspend: { member: number; objects: NewObject[] };
}

function changeArb(memberCount: number, groupCount: number, collectionCount: number): fc.Arbitrary<Change> {
  const member = fc.nat(memberCount - 1);
  return fc.oneof(
    member.chain((m) => optional(mouArb(memberId(m), memberCount, groupCount)).map((mou): Change => ({ kind: 'mou', member: m, mou }))),
    fc
      .record({ collection: fc.nat(collectionCount - 1), grantee: fc.constantFrom(...audiences(memberCount, groupCount)), read: fc.boolean(), write: fc.boolean() })
      .map((a): Change => ({ kind: 'acl', ...a })),
    fc.record({ member, groups: fc.subarray(Array.from({ length: groupCount }, (_, i) => i)) }).map((m): Change => ({ kind: 'move', ...m })),
    member.map((m): Change => ({ kind: 'status', member: m })),
  );
}

function newObjectArb(collectionCount: number): fc.Arbitrary<NewObject> {
  return fc.record({
    kind: fc.constantFrom<NewObject['kind']>('indicator', 'malware', 'relationship', 'sighting'),
    collection: fc.nat(collectionCount - 1),
    writer: fc.nat(7),
    marking: optional(fc.constantFrom(...Object.keys(TLP_IDS))),
    internalNote: fc.boolean(),
    createdBy: fc.boolean(),
    refs: fc.array(fc.integer({ min: -1, max: 30 }), { minLength: 2, maxLength: 2 }),
  });
}

function readerChangeArb(world: WorldSpec): fc.Arbitrary<ReaderChange> {
  const target = fc.record({
    template: fc.nat(2),
    // Fresh terms are granted to each reader: no group of their own to create.
    fresh: templateArb(world.memberCount, world.groupCount, world.collectionCount).map((t): TemplateSpec => ({ ...t, grant: 'members' })),
    useFresh: fc.boolean(),
  });
  return fc.oneof(
    fc.record({ reader: fc.nat(), to: target, how: fc.constantFrom<'all' | 'mou' | 'groups'>('all', 'all', 'mou', 'groups') }).map((v): ReaderChange => ({ kind: 'visit', ...v })),
    fc.record({ template: fc.nat(2), to: target }).map((v): ReaderChange => ({ kind: 'migrate', ...v })),
    fc
      .record({ reader: fc.nat(), first: fc.boolean(), collection: fc.nat(world.collectionCount - 1), objects: fc.array(newObjectArb(world.collectionCount), { minLength: 1, maxLength: 3 }) })
      .map((v): ReaderChange => ({ kind: 'write', ...v })),
  );
}

function scenarioArb(): fc.Arbitrary<Scenario> {
  return worldArbitrary().chain((world) =>
    fc.record({
      world: fc.constant(world),
      changes: fc.array(changeArb(world.memberCount, world.groupCount, world.collectionCount), { minLength: 1, maxLength: 3 }),
      moves: world.readers.length === 0 ? fc.constant([]) : fc.array(readerChangeArb(world), { minLength: 1, maxLength: 3 }),
      order: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
      del: fc.record({ writer: fc.nat(), object: fc.nat(), oneVersion: fc.boolean(), version: fc.nat(), intruder: fc.nat(), intruderObject: fc.nat() }),
      suspend: fc.record({ member: fc.nat(world.memberCount - 1), objects: fc.array(newObjectArb(world.collectionCount), { minLength: 1, maxLength: 3 }) }),
    }),
  );
}

// ---------------------------------------------------------------------------------------
// The current directory, as the test knows it, and the oracle over it

interface State {
  w: World;
  members: MemberRecord[];
  /** By `collection grantee`. */
  acl: Map<string, AclSpec>;
  mous: Map<string, Mou>;
  published: Published[];
  /** Every object version ever published (deleted ones too): what may never leak. */
  ever: Published[];
}

interface Expected {
  id: string;
  version: string;
  type: string;
  body: Record<string, unknown>;
}
type Oracle = Map<number, Map<string, Expected>>;

const key = (id: string, version: string): string => `${id} ${version}`;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function grants(s: State, member: number, grantee: string): boolean {
  const m = s.members[member] as MemberRecord;
  if (grantee === 'everyone') return true;
  if (grantee === `member:${m.id}`) return true;
  return grantee.startsWith('group:') && m.groups.includes(grantee.slice(6));
}
const active = (s: State, member: number): boolean => s.members[member]?.status === 'active';
function mayRead(s: State, member: number, collection: number): boolean {
  return active(s, member) && [...s.acl.values()].some((a) => a.collection === collection && a.read && grants(s, member, a.grantee));
}
function mayWrite(s: State, member: number, collection: number): boolean {
  return active(s, member) && [...s.acl.values()].some((a) => a.collection === collection && a.write && grants(s, member, a.grantee));
}

/**
 * The served object is the oracle's up to references, which are decided when the object is
 * distributed: one to an object the member came to see later stays redacted, and one to an
 * object deleted since (which the member saw) stays. The references checked away are only
 * those; leak.property.test.ts checks that no reference names an object the member never saw.
 */
function servedAsOracleSays(s: State, served: Record<string, unknown>, expected: Record<string, unknown>): boolean {
  if (canonical(served) === canonical(expected)) return true;
  const live = new Set(s.published.map((p) => p.id));
  const servedText = JSON.stringify(served);
  const expectedText = JSON.stringify(expected);
  const missing = referencedObjectIds(expected as StixObject).filter((id) => !servedText.includes(id));
  const extra = referencedObjectIds(served as StixObject).filter((id) => !expectedText.includes(id));
  if (extra.some((id) => live.has(id))) return false;
  const ids = [...missing, ...extra];
  if (ids.length === 0) return false;
  const without = (o: Record<string, unknown>) => canonical(applyTransforms(o as StixObject, [{ kind: 'redact-refs', ids }]));
  return without(served) === without(expected);
}

/**
 * As in leak.property.test.ts, over the current directory; `classes`: the real app's
 * audience classes, for one rule only: a member that shares its class with others is
 * decided as its class (under the class's id) for what it published itself, so that its
 * classmates never see its objects as their provider does (docs/sharing.md).
 */
function oracleFor(s: State, member: number | undefined, now: number, classes: AudienceClasses): Oracle {
  const out: Oracle = new Map();
  for (let c = 0; c < s.w.collectionIds.length; c++) out.set(c, new Map());
  if (member === undefined) {
    for (const p of s.published) out.get(p.collection)?.set(key(p.id, p.version), { id: p.id, version: p.version, type: p.type, body: p.object });
    return out;
  }
  const record = s.members[member] as MemberRecord;
  const readable = s.published.filter((p) => mayRead(s, member, p.collection));
  const membersById = new Map(s.members.map((m) => [m.id, m]));
  const mouOf = (id: string) => s.mous.get(id) ?? defaultMou(id);
  const reader: Reader = { member: record, mou: mouOf(record.id) };
  const cls = classes.of(record.id);
  const asClass: Reader = cls !== undefined && cls.members.length > 1 ? { member: { ...record, id: cls.id, name: cls.id }, mou: reader.mou } : reader;
  const identities = s.w.t.concord.sharing.identities;
  let visible = new Set<string>();
  let allowed: Array<{ p: Published; body: StixObject }> = [];
  for (let round = 0; round < 10; round++) {
    const seen = visible;
    allowed = [];
    for (const p of readable) {
      const provider = s.members[p.publisher] as MemberRecord;
      const ctx: DecisionContext = {
        provider,
        providerMou: mouOf(provider.id),
        publishedAt: p.postedAt,
        members: membersById,
        markingDefinition: () => undefined,
        isVisibleToReader: (id) => (seen.has(id) ? true : undefined),
        pseudonymOf: (id) => identities.pseudonymOf(id),
        hubIdentity: identities.hub,
      };
      const d = decide(p.publisher === member ? asClass : reader, p.object as StixObject, ctx);
      if (!d.allow) continue;
      if (d.visibleFrom !== undefined && d.visibleFrom > now) continue;
      allowed.push({ p, body: applyTransforms(p.object as StixObject, d.transforms) });
    }
    const next = new Set(allowed.map((a) => a.p.id));
    if (next.size === visible.size && [...next].every((id) => visible.has(id))) break;
    visible = next;
  }
  for (const { p, body } of allowed) {
    const id = body.id as string;
    out.get(p.collection)?.set(key(id, p.version), { id, version: p.version, type: p.type, body: body as Record<string, unknown> });
  }
  return out;
}

/** The real app's audience classes of the current directory. */
async function classesNow(s: State): Promise<AudienceClasses> {
  return audienceClasses(new DirectorySnapshot(await s.w.t.store.loadDirectory()));
}

function forbiddenFor(s: State, oracle: Oracle): string[] {
  const secrets = new Set<string>();
  for (const p of s.ever) {
    const text = JSON.stringify(p.object);
    for (const m of text.matchAll(/tok[0-9a-f]+[a-z]/g)) secrets.add(m[0]);
    for (const m of text.matchAll(/\b[a-z][a-z0-9-]*--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g)) {
      if (!m[0].startsWith('marking-definition--')) secrets.add(m[0]);
    }
  }
  const served = [...oracle.values()].flatMap((c) => [...c.values()].map((e) => JSON.stringify(e.body))).join('\n');
  return [...secrets].filter((x) => !served.includes(x));
}

// ---------------------------------------------------------------------------------------
// HTTP

interface Reply {
  status: number;
  text: string;
  headers: Record<string, string>;
}

class Client {
  readonly replies: Reply[] = [];
  constructor(
    private readonly server: Server,
    readonly who: string,
  ) {}

  async send(method: 'get' | 'delete', path: string): Promise<Reply> {
    const res = await request(this.server)[method](path).set('Authorization', `Bearer ${tokenOf(this.who)}`);
    const reply = { status: res.status, text: res.text, headers: res.headers as Record<string, string> };
    this.replies.push(reply);
    return reply;
  }
  get(path: string): Promise<Reply> {
    return this.send('get', path);
  }
}

interface Page {
  more?: boolean;
  next?: string;
  objects?: Array<Record<string, unknown>>;
}

async function pages(client: Client, url: string, limit: number): Promise<{ items: Array<Record<string, unknown>>; last: Reply }> {
  const items: Array<Record<string, unknown>> = [];
  let next: string | undefined;
  const sep = url.includes('?') ? '&' : '?';
  for (let n = 0; n < 1000; n++) {
    const reply = await client.get(`${url}${sep}limit=${limit}${next !== undefined ? `&next=${encodeURIComponent(next)}` : ''}`);
    expect({ url, status: reply.status }).toEqual({ url, status: 200 });
    const body = JSON.parse(reply.text) as Page;
    const got = body.objects ?? [];
    expect(got.length).toBeLessThanOrEqual(limit);
    items.push(...got);
    if (body.more !== true) return { items, last: reply };
    expect(typeof body.next).toBe('string');
    next = body.next;
  }
  throw new Error(`${url}: paging does not end`);
}

const sorted = (list: Iterable<string>): string[] => [...list].sort();

// ---------------------------------------------------------------------------------------
// The checks

/** What a principal saw of a collection at its last successful read. */
interface Seen {
  keys: Set<string>;
  /** X-TAXII-Date-Added-Last of its full manifest. */
  last: string | undefined;
}

interface Checker {
  s: State;
  /** principal → collection → what it saw at its last read. */
  seen: Map<string, Map<number, Seen>>;
  oracles: Map<string, Oracle>;
  pick: () => number;
  /** Readers the reader change under way moves, checked in full at its steps (see checkAll). */
  movers: Set<number>;
  /** The first two readers of each template, which take turns being checked in full. */
  pairs: number[][];
  /** checkAll calls so far. */
  turn: number;
  /** principal → its audience class at its last read. */
  classAt: Map<string, string | undefined>;
}

const principals = (s: State): Array<{ who: string; index: number | undefined }> => [
  { who: ADMIN, index: undefined },
  ...s.members.map((m, i) => ({ who: m.id, index: i })),
];

/**
 * `full` false (readers beyond the sample): every version in one page, and no reads by id;
 * the manifest, the bodies and the poller's view of what is new are checked all the same.
 */
async function checkCollection(k: Checker, client: Client, c: number, expected: Map<string, Expected>, full: boolean, moved: boolean): Promise<Seen> {
  const s = k.s;
  const base = `/${ROOT}/collections/${s.w.collectionIds[c] as string}`;
  const manifest = await pages(client, `${base}/manifest/?match[version]=all`, 1000);
  const dates = new Map<string, string>();
  for (const r of manifest.items as Array<{ id: string; version: string; date_added: string }>) dates.set(key(r.id, r.version), r.date_added);
  expect({ endpoint: 'manifest', keys: sorted(dates.keys()) }).toEqual({ endpoint: 'manifest', keys: sorted(expected.keys()) });
  expect(manifest.items.length).toBe(dates.size);
  // The instant a poller resumes from: the last record's date_added (on an empty page, the
  // point the query reached).
  const last = manifest.last.headers['x-taxii-date-added-last'];
  if (dates.size > 0) expect(last).toBe([...dates.values()].sort().pop());

  const limit = full ? 1 + (k.pick() % 6) : 1000;
  for (const version of full ? (['all', 'last'] as const) : (['all'] as const)) {
    const objects = await pages(client, `${base}/objects/?match[version]=${version}`, limit);
    const want = [...expected.values()].filter((e) => version === 'all' || ![...expected.values()].some((o) => o.id === e.id && o.version > e.version));
    expect({ version, keys: sorted(objects.items.map((o) => key(o.id as string, o.modified as string))) }).toEqual({
      version,
      keys: sorted(want.map((e) => key(e.id, e.version))),
    });
    for (const o of objects.items) {
      const e = expected.get(key(o.id as string, o.modified as string)) as Expected;
      if (!servedAsOracleSays(s, o, e.body)) expect({ served: o }).toEqual({ served: e.body });
    }
  }

  // Every id of the world it may not see here: 404 by id.
  const visibleIds = new Set([...expected.values()].map((e) => e.id));
  for (const id of full ? new Set(s.ever.map((p) => p.id)) : []) {
    if (visibleIds.has(id)) continue;
    expect({ id, status: (await client.get(`${base}/objects/${id}/`)).status }).toEqual({ id, status: 404 });
  }

  // What became visible since its last read was added after that read's last instant, and
  // a poller from that instant gets it.
  const before = k.seen.get(client.who)?.get(c);
  const fresh = sorted(expected.keys()).filter((x) => before !== undefined && !before.keys.has(x));
  if (before?.last !== undefined && fresh.length > 0) {
    const after = before.last;
    if (moved) moves.freshAfterMove += fresh.length;
    for (const x of fresh) expect({ fresh: x, dateAdded: (dates.get(x) as string) > after }).toEqual({ fresh: x, dateAdded: true });
    const polled = await pages(client, `${base}/objects/?added_after=${encodeURIComponent(after)}&match[version]=all`, limit);
    const got = new Set(polled.items.map((o) => key(o.id as string, o.modified as string)));
    expect({ addedAfter: after, missing: fresh.filter((x) => !got.has(x)) }).toEqual({ addedAfter: after, missing: [] });
  }
  return { keys: new Set(expected.keys()), last };
}

/**
 * Every principal against the oracle of the current directory. In full: the admin, the
 * core members, every member that may write, one of the first two readers of each template
 * (in turns), and the readers the reader change under way moves (k.movers); the other
 * readers with one-page reads (checkCollection), which check their whole visible set all
 * the same. Every principal for leaks and for what became visible since its last read.
 */
async function checkAll(k: Checker, step: string): Promise<void> {
  const s = k.s;
  const now = Date.now();
  const classes = await classesNow(s);
  const turn = k.turn++;
  const sampled = new Set(k.pairs.map((pair) => pair[turn % pair.length]));
  for (const { who, index } of principals(s)) {
    const client = new Client(s.w.server, who);
    const oracle = oracleFor(s, index, now, classes);
    const full =
      index === undefined ||
      index < s.w.spec.memberCount ||
      k.movers.has(index) ||
      sampled.has(index) ||
      s.w.collectionIds.some((_, c) => mayWrite(s, index, c));
    k.oracles.set(who, oracle);
    try {
      if (index !== undefined && !active(s, index)) {
        // Suspended: 403 on every read, whatever it could read before.
        const urls = [`/${ROOT}/collections/`];
        for (const id of s.w.collectionIds) urls.push(`/${ROOT}/collections/${id}/objects/`, `/${ROOT}/collections/${id}/manifest/`);
        const someId = s.ever[0]?.id;
        if (someId !== undefined) urls.push(`/${ROOT}/collections/${s.w.collectionIds[0] as string}/objects/${someId}/`);
        for (const url of urls) expect({ url, status: (await client.get(url)).status }).toEqual({ url, status: 403 });
      } else {
        const seen = k.seen.get(who) ?? new Map<number, Seen>();
        for (let c = 0; c < s.w.collectionIds.length; c++) {
          if (index !== undefined && !mayRead(s, index, c)) {
            const reply = await client.get(`/${ROOT}/collections/${s.w.collectionIds[c] as string}/objects/`);
            expect({ c, status: reply.status === 403 || reply.status === 404 }).toEqual({ c, status: true });
            continue;
          }
          // Whether it moved to another class since its last read (for the counts only).
          const moved = k.classAt.has(who) && k.classAt.get(who) !== classes.of(who)?.id;
          seen.set(c, await checkCollection(k, client, c, oracle.get(c) as Map<string, Expected>, full, moved));
        }
        k.seen.set(who, seen);
        k.classAt.set(who, classes.of(who)?.id);
      }
      const forbidden = forbiddenFor(s, oracle);
      for (const reply of client.replies) {
        const text = `${reply.text}\n${JSON.stringify(reply.headers)}`;
        const leaked = forbidden.filter((x) => text.includes(x));
        if (leaked.length > 0) expect({ leaked, in: reply.text.slice(0, 600) }).toEqual({ leaked: [], in: '' });
      }
    } catch (e) {
      if (e instanceof Error) e.message = `after ${step}, as ${who}: ${e.message}`;
      throw e;
    }
  }
}

// ---------------------------------------------------------------------------------------
// The steps

async function apply(s: State, what: string, changes: DirectoryChange[]): Promise<void> {
  await s.w.t.concord.admin.directory.applyChanges({ memberId: ADMIN }, `test.${what}`, {}, () => changes);
}

async function applyChange(s: State, ch: Change): Promise<string> {
  const cid = (c: number) => s.w.collectionIds[c] as string;
  switch (ch.kind) {
    case 'mou': {
      const id = memberId(ch.member);
      if (ch.mou === undefined) {
        if (!s.mous.has(id)) return `mou ${id}: none to remove`;
        await apply(s, 'mou', [{ op: 'delete', kind: 'mou', key: id }]);
        s.mous.delete(id);
        return `mou ${id} removed`;
      }
      await apply(s, 'mou', [{ op: 'put', kind: 'mou', record: ch.mou }]);
      s.mous.set(id, ch.mou);
      return `mou ${id} replaced: ${JSON.stringify(ch.mou)}`;
    }
    case 'acl': {
      const k = `${ch.collection} ${ch.grantee}`;
      if (!ch.read && !ch.write) {
        if (!s.acl.has(k)) return `acl ${k}: none to revoke`;
        await apply(s, 'acl', [{ op: 'delete', kind: 'acl', key: { collectionId: cid(ch.collection), grantee: ch.grantee } }]);
        s.acl.delete(k);
        return `acl ${k} revoked`;
      }
      await apply(s, 'acl', [{ op: 'put', kind: 'acl', record: { collectionId: cid(ch.collection), grantee: ch.grantee, read: ch.read, write: ch.write } }]);
      s.acl.set(k, { collection: ch.collection, grantee: ch.grantee, read: ch.read, write: ch.write });
      return `acl ${k} = ${ch.read ? 'r' : ''}${ch.write ? 'w' : ''}`;
    }
    case 'move': {
      const m = { ...(s.members[ch.member] as MemberRecord), groups: ch.groups.map(groupId) };
      await apply(s, 'move', [{ op: 'put', kind: 'member', record: m }]);
      s.members[ch.member] = m;
      return `${m.id} moved to [${m.groups.join(',')}]`;
    }
    case 'status': {
      const old = s.members[ch.member] as MemberRecord;
      const m: MemberRecord = { ...old, status: old.status === 'active' ? 'suspended' : 'active' };
      await apply(s, 'status', [{ op: 'put', kind: 'member', record: m }]);
      s.members[ch.member] = m;
      return `${m.id} ${m.status}`;
    }
  }
}

/** Deletes as `who` (a member with read+write); returns the status. */
async function del(s: State, who: string, c: number, id: string, version: string | undefined): Promise<number> {
  const q = version !== undefined ? `?match[version]=${encodeURIComponent(version)}` : '';
  const res = await request(s.w.server)
    .delete(`/${ROOT}/collections/${s.w.collectionIds[c] as string}/objects/${id}/${q}`)
    .set('Authorization', `Bearer ${tokenOf(who)}`);
  return res.status;
}

async function deleteStep(k: Checker, d: Scenario['del']): Promise<string[]> {
  const s = k.s;
  const done: string[] = [];
  const rw = (m: number, c: number) => mayRead(s, m, c) && mayWrite(s, m, c);
  const pairs: Array<{ m: number; c: number }> = [];
  for (let m = 0; m < s.members.length; m++) for (let c = 0; c < s.w.collectionIds.length; c++) if (rw(m, c)) pairs.push({ m, c });

  // An intruder: read+write on the collection, but cannot see the object: 404, nothing changes.
  const intruders = pairs.flatMap(({ m, c }) => {
    const sees = new Set([...(k.oracles.get(memberId(m))?.get(c)?.values() ?? [])].map((e) => e.id));
    const hidden = [...new Set(s.published.filter((p) => p.collection === c && !sees.has(p.id)).map((p) => p.id))];
    return hidden.map((id) => ({ m, c, id }));
  });
  if (intruders.length > 0) {
    const x = intruders[d.intruder % intruders.length] as (typeof intruders)[number];
    const status = await del(s, memberId(x.m), x.c, x.id, undefined);
    expect({ intruder: memberId(x.m), id: x.id, status }).toEqual({ intruder: memberId(x.m), id: x.id, status: 404 });
    const before = new Map([...k.seen].map(([who, byC]) => [who, new Map([...byC].map(([c, v]) => [c, v.last]))]));
    await checkAll(k, `DELETE ${x.id} by ${memberId(x.m)}, which cannot see it`);
    // Nothing changed: the same last instants for everyone.
    for (const [who, byC] of before) for (const [c, last] of byC) expect({ who, c, last: k.seen.get(who)?.get(c)?.last }).toEqual({ who, c, last });
    done.push(`intruder ${memberId(x.m)} DELETE ${x.id}: 404`);
  }

  // A writer deletes what it can see (under its base id): what it published goes (200);
  // versions another member published are refused (403) and nothing changes.
  const targets = pairs.flatMap(({ m, c }) => {
    const entries = [...(k.oracles.get(memberId(m))?.get(c)?.values() ?? [])].filter((e) => s.published.some((p) => p.collection === c && p.id === e.id));
    return [...new Set(entries.map((e) => e.id))].map((id) => ({ m, c, id, versions: entries.filter((e) => e.id === id).map((e) => e.version).sort() }));
  });
  const selectedOf = (t: (typeof targets)[number], version: string | undefined) =>
    s.published.filter((p) => p.collection === t.c && p.id === t.id && (version !== undefined ? p.version === version : t.versions.includes(p.version)));
  const versionFor = (t: (typeof targets)[number]) => (d.oneVersion ? (t.versions[d.version % t.versions.length] as string) : undefined);
  const own = targets.filter((t) => selectedOf(t, versionFor(t)).every((p) => p.publisher === t.m));
  const foreign = targets.filter((t) => !own.includes(t));
  if (foreign.length > 0) {
    const t = foreign[d.writer % foreign.length] as (typeof foreign)[number];
    const version = versionFor(t);
    const status = await del(s, memberId(t.m), t.c, t.id, version);
    expect({ writer: memberId(t.m), id: t.id, version, status }).toEqual({ writer: memberId(t.m), id: t.id, version, status: 403 });
    const before = new Map([...k.seen].map(([who, byC]) => [who, new Map([...byC].map(([c, v]) => [c, v.last]))]));
    await checkAll(k, `DELETE ${t.id} by ${memberId(t.m)}, which did not publish it`);
    for (const [who, byC] of before) for (const [c, last] of byC) expect({ who, c, last: k.seen.get(who)?.get(c)?.last }).toEqual({ who, c, last });
    done.push(`${memberId(t.m)} DELETE ${t.id} published by another member: 403`);
  }
  if (own.length > 0) {
    const t = own[d.writer % own.length] as (typeof own)[number];
    const version = versionFor(t);
    const status = await del(s, memberId(t.m), t.c, t.id, version);
    expect({ writer: memberId(t.m), id: t.id, version, status }).toEqual({ writer: memberId(t.m), id: t.id, version, status: 200 });
    const gone = new Set(version !== undefined ? [version] : t.versions);
    s.published = s.published.filter((p) => !(p.collection === t.c && p.id === t.id && gone.has(p.version)));
    // Looks past a bug, now fixed (closure was not decided again after a deletion).
    if (process.env.CHANGES_REBUILD_AFTER_DELETE !== undefined) await rebuildEveryone(s);
    const what = `DELETE ${t.id}${version !== undefined ? ` version ${version}` : ''} (of ${t.versions.join(',')}) by ${memberId(t.m)}`;
    await checkAll(k, what);
    done.push(what);
  }
  return done;
}

const BASE_TIME = Date.parse('2026-06-01T00:00:00.000Z');
const hex = (n: number, width: number): string => (n >>> 0).toString(16).padStart(width, '0').slice(-width);

/** Publishes new objects as random active writers (not `except`), or all as `as`. */
async function publishNew(s: State, objects: NewObject[], except: number, serial: { n: number }, as?: number): Promise<string[]> {
  const done: string[] = [];
  for (const n of objects) {
    const writers = s.members.map((_, i) => i).filter((i) => i !== except && (as === undefined || i === as) && mayWrite(s, i, n.collection));
    if (writers.length === 0) continue;
    const publisher = writers[n.writer % writers.length] as number;
    const i = serial.n++;
    const id = `${n.kind}--${worldUuid(s.w.spec.salt, 0x5e, i)}`;
    const sdos = [...new Set(s.ever.filter((p) => p.type === 'indicator' || p.type === 'malware').map((p) => p.id))];
    const refOf = (r: number, j: number) => (r < 0 || sdos.length === 0 ? `malware--${worldUuid(s.w.spec.salt, 0xbeef, i * 3 + j)}` : (sdos[r % sdos.length] as string));
    const tok = (what: string) => `tok${hex(s.w.spec.salt, 8)}e${hex(i, 2)}00${what}`;
    const created = new Date(BASE_TIME + i * 60_000).toISOString();
    const o: Record<string, unknown> = { type: n.kind, spec_version: '2.1', id, created, modified: created, description: tok('d') };
    if (n.kind === 'indicator') Object.assign(o, { name: tok('n'), pattern: `[domain-name:value = '${tok('p')}.example']`, pattern_type: 'stix', valid_from: created });
    if (n.kind === 'malware') Object.assign(o, { name: tok('n'), is_family: false });
    if (n.kind === 'relationship') Object.assign(o, { relationship_type: 'related-to', source_ref: refOf(n.refs[0] as number, 0), target_ref: refOf(n.refs[1] as number, 1) });
    if (n.kind === 'sighting') o.sighting_of_ref = refOf(n.refs[0] as number, 0);
    if (n.marking !== undefined) o.object_marking_refs = [TLP_IDS[n.marking] as string];
    if (n.internalNote) o.x_internal_note = tok('x');
    if (n.createdBy) o.created_by_ref = identityOf(s.w.spec, publisher);
    const res = await request(s.w.server)
      .post(`/${ROOT}/collections/${s.w.collectionIds[n.collection] as string}/objects/`)
      .set('Authorization', `Bearer ${tokenOf(memberId(publisher))}`)
      .set('Content-Type', TAXII)
      .send(JSON.stringify({ objects: [o] }));
    const status = JSON.parse(res.text) as { failure_count?: number };
    if (res.status !== 202 || status.failure_count !== 0) throw new Error(`publish refused (${res.status}): ${res.text.slice(0, 2000)}`);
    const p: Published = { id, type: n.kind, version: created, collection: n.collection, publisher, object: o, postedAt: Date.now() };
    s.published.push(p);
    s.ever.push(p);
    done.push(`${memberId(publisher)} published ${id} to C${n.collection}`);
  }
  return done;
}

/** What makes a reader's class, as far as the reader changes touch it: its MOU, groups and own ACL entries. */
interface ReaderState {
  mou: Mou | undefined;
  groups: string[];
  /** Its `member:<id>` entries, by collection. */
  grants: Map<number, AclSpec>;
}

function readerState(s: State, m: number): ReaderState {
  const id = memberId(m);
  const grants = new Map<number, AclSpec>();
  for (const a of s.acl.values()) if (a.grantee === `member:${id}`) grants.set(a.collection, a);
  return { mou: s.mous.get(id), groups: [...(s.members[m] as MemberRecord).groups], grants };
}

/** A reader's state under a template's terms (`t`), or under fresh terms (`t` undefined). */
function termsState(m: number, terms: TemplateSpec, t: number | undefined): ReaderState {
  const id = memberId(m);
  return {
    mou: terms.receive === undefined ? undefined : { memberId: id, provide: DEFAULT_PROVIDER_TERMS, receive: terms.receive },
    groups: t === undefined ? terms.groups.map(groupId) : templateGroups(terms, t),
    grants: new Map(terms.grant === 'members' ? terms.reads.map((c) => [c, { collection: c, grantee: `member:${id}`, read: true, write: false }]) : []),
  };
}

/** Puts readers in the given states, all in one directory change. */
async function setStates(s: State, what: string, states: Array<[number, ReaderState]>): Promise<void> {
  const changes: DirectoryChange[] = [];
  const cid = (c: number) => s.w.collectionIds[c] as string;
  for (const [m, to] of states) {
    const from = readerState(s, m);
    const id = memberId(m);
    if (canonical(from.mou) !== canonical(to.mou)) changes.push(to.mou === undefined ? { op: 'delete', kind: 'mou', key: id } : { op: 'put', kind: 'mou', record: to.mou });
    if (canonical(sorted(from.groups)) !== canonical(sorted(to.groups))) changes.push({ op: 'put', kind: 'member', record: { ...(s.members[m] as MemberRecord), groups: to.groups } });
    for (let c = 0; c < s.w.collectionIds.length; c++) {
      const a = from.grants.get(c);
      const b = to.grants.get(c);
      if (b === undefined && a !== undefined) changes.push({ op: 'delete', kind: 'acl', key: { collectionId: cid(c), grantee: `member:${id}` } });
      if (b !== undefined && (a === undefined || a.read !== b.read || a.write !== b.write)) {
        changes.push({ op: 'put', kind: 'acl', record: { collectionId: cid(c), grantee: b.grantee, read: b.read, write: b.write } });
      }
    }
  }
  if (changes.length === 0) return;
  await apply(s, what, changes);
  for (const [m, to] of states) {
    const id = memberId(m);
    if (to.mou === undefined) s.mous.delete(id);
    else s.mous.set(id, to.mou);
    s.members[m] = { ...(s.members[m] as MemberRecord), groups: to.groups };
    for (let c = 0; c < s.w.collectionIds.length; c++) {
      const b = to.grants.get(c);
      if (b === undefined) s.acl.delete(`${c} member:${id}`);
      else s.acl.set(`${c} member:${id}`, b);
    }
  }
}

/** Audience classes of several members over the runs (the real app's, as built). */
const shared = { worlds: 0, worldsWithShared: 0, classes: 0, largest: 0 };

/** The built world's classes: the readers of a template share one; counted in `shared`. */
async function checkClasses(s: State): Promise<void> {
  const classes = await classesNow(s);
  const several = [...classes.all()].filter((c) => c.members.length > 1);
  shared.worlds++;
  if (several.length > 0) shared.worldsWithShared++;
  shared.classes += several.length;
  shared.largest = Math.max(shared.largest, ...several.map((c) => c.members.length));
  const spec = s.w.spec;
  spec.templates.forEach((_, t) => {
    const ids = new Set(spec.readers.flatMap((r, i) => (r.template === t ? [classes.of(memberId(spec.memberCount + i))?.id] : [])));
    expect({ template: t, classes: [...ids].length, undefined: ids.has(undefined) }).toEqual({ template: t, classes: spec.readers.length > 0 ? 1 : 0, undefined: false });
  });
}

/** Moves between classes over the runs, as the real app's classes show them. */
const moves = { members: 0, changedClass: 0, intoShared: 0, writers: 0, freshAfterMove: 0 };

/** Counts the moves of `members` from the classes `before` (ids) to their classes now. */
async function countMoves(s: State, members: number[], before: Array<string | undefined>): Promise<string> {
  const classes = await classesNow(s);
  const out: string[] = [];
  members.forEach((m, i) => {
    const now = classes.of(memberId(m));
    moves.members++;
    if (now?.id !== before[i]) moves.changedClass++;
    if (now?.id !== before[i] && (now?.members.length ?? 0) > 1) moves.intoShared++;
    out.push(`${memberId(m)} ${before[i] ?? '-'} → ${now?.id ?? '-'} (${now?.members.length ?? 0})`);
  });
  return out.join(', ');
}

function readerIndex(spec: WorldSpec, r: number): number {
  return spec.memberCount + (r % spec.readers.length);
}

/** The terms of a move: another template's than `own`, or fresh ones. */
function targetOf(spec: WorldSpec, to: Target, own: number): { terms: TemplateSpec; t: number | undefined } {
  if (to.useFresh || spec.templates.length === 1) return { terms: to.fresh, t: undefined };
  let t = to.template % spec.templates.length;
  if (t === own) t = (t + 1) % spec.templates.length;
  return { terms: spec.templates[t] as TemplateSpec, t };
}

/** One reader change (see ReaderChange), checking everyone after each step. */
async function readerStep(k: Checker, mv: ReaderChange, serial: { n: number }): Promise<string[]> {
  const s = k.s;
  const spec = s.w.spec;
  const done: string[] = [];
  const classOf = async (m: number) => (await classesNow(s)).of(memberId(m));
  switch (mv.kind) {
    case 'visit': {
      const m = readerIndex(spec, mv.reader);
      const own = (spec.readers[m - spec.memberCount] as (typeof spec.readers)[number]).template;
      const { terms, t } = targetOf(spec, mv.to, own);
      const saved = readerState(s, m);
      const there = termsState(m, terms, t);
      const to = mv.how === 'all' ? there : mv.how === 'mou' ? { ...saved, mou: there.mou } : { ...saved, groups: there.groups };
      const before = (await classOf(m))?.id;
      const epochBefore = termsEpoch(await s.w.t.store.loadDirectory());
      k.movers.add(m);
      await setStates(s, 'visit', [[m, to]]);
      const target = t === undefined ? `fresh terms ${JSON.stringify(terms)}` : `template ${t}`;
      const what = `${memberId(m)} (template ${own}) takes ${mv.how === 'all' ? 'the terms' : mv.how === 'mou' ? 'the MOU' : 'the groups'} of ${target}: ${await countMoves(s, [m], [before])}`;
      await checkAll(k, what);
      done.push(what);
      await setStates(s, 'visit', [[m, saved]]);
      // Its own terms again: its class again. Unless the visit changed what a provider
      // shares (it gave the reader write access through a group, and its groups then
      // count as a provider's): every class id then changed with the terms epoch
      // (src/access/provider-terms.ts), and it is back with the readers of its template.
      const peer = spec.readers.findIndex((r, i) => r.template === own && spec.memberCount + i !== m);
      const expected = termsEpoch((await s.w.t.store.loadDirectory())) === epochBefore || peer < 0 ? before : (await classOf(spec.memberCount + peer))?.id;
      expect({ member: memberId(m), back: (await classOf(m))?.id }).toEqual({ member: memberId(m), back: expected });
      const back = `${memberId(m)} back to its terms`;
      await checkAll(k, back);
      done.push(back);
      return done;
    }
    case 'migrate': {
      const from = mv.template % spec.templates.length;
      const { terms, t } = targetOf(spec, mv.to, from);
      const members = spec.readers.flatMap((r, i) => (r.template === from ? [spec.memberCount + i] : []));
      const classes = await classesNow(s);
      const before = members.map((m) => classes.of(memberId(m))?.id);
      for (const m of members.slice(0, 2)) k.movers.add(m);
      await setStates(s, 'migrate', members.map((m) => [m, termsState(m, terms, t)]));
      const target = t === undefined ? `fresh terms ${JSON.stringify(terms)}` : `template ${t}`;
      const what = `the readers of template ${from} take the terms of ${target}: ${await countMoves(s, members, before)}`;
      await checkAll(k, what);
      done.push(what);
      return done;
    }
    case 'write': {
      let m = readerIndex(spec, mv.reader);
      if (mv.first) {
        const template = (spec.readers[m - spec.memberCount] as (typeof spec.readers)[number]).template;
        const ids = spec.readers.flatMap((r, i) => (r.template === template ? [memberId(spec.memberCount + i)] : [])).sort();
        m = Number((ids[0] as string).slice(1));
      }
      const id = memberId(m);
      const saved = readerState(s, m);
      const grants = new Map(saved.grants);
      grants.set(mv.collection, { collection: mv.collection, grantee: `member:${id}`, read: true, write: true });
      const before = (await classOf(m))?.id;
      k.movers.add(m);
      await setStates(s, 'write', [[m, { ...saved, grants }]]);
      // A member that may write is a class of one.
      expect({ writer: id, classmates: (await classOf(m))?.members.length }).toEqual({ writer: id, classmates: 1 });
      moves.writers++;
      const alone = (await classOf(m))?.id;
      const moved = await countMoves(s, [m], [before]);
      const published = await publishNew(s, mv.objects.map((o) => ({ ...o, collection: mv.collection })), -1, serial, m);
      const what = `${id} gains read+write on C${mv.collection} (${moved}) and publishes: ${published.join('; ')}`;
      await checkAll(k, what);
      done.push(what);
      await setStates(s, 'write', [[m, saved]]);
      expect({ member: id, back: (await classOf(m))?.id }).toEqual({ member: id, back: before });
      const lost = `${id} loses the write on C${mv.collection}: ${await countMoves(s, [m], [alone])}`;
      await checkAll(k, lost);
      done.push(lost);
      return done;
    }
  }
}

async function setStatus(s: State, member: number, status: MemberRecord['status']): Promise<void> {
  const m: MemberRecord = { ...(s.members[member] as MemberRecord), status };
  await apply(s, 'status', [{ op: 'put', kind: 'member', record: m }]);
  s.members[member] = m;
  // Looks past a bug, now fixed (a resumed member's views were not re-materialised).
  if (status === 'active' && process.env.CHANGES_REBUILD_ON_RESUME !== undefined) await rebuildEveryone(s);
}

/** Rebuilds every member's views, as a change to every member's inputs would (to look past a bug). */
async function rebuildEveryone(s: State): Promise<void> {
  let data: DirectoryData | undefined;
  await s.w.t.concord.admin.directory.applyChanges({ memberId: ADMIN }, 'test.read', {}, (d) => ((data = d.data), []));
  if (data !== undefined) await s.w.t.concord.sharing.distributor.rematerialise({ ...data, mous: [defaultMou('nobody')] });
}

async function run(sc: Scenario, log: string[]): Promise<void> {
  const w = await buildWorld(sc.world);
  try {
    const s: State = {
      w,
      members: w.members.map((m) => ({ ...m })),
      acl: new Map(w.acl.map((a) => [`${a.collection} ${a.grantee}`, a])),
      mous: new Map(w.mous),
      published: [...w.published],
      ever: [...w.published],
    };
    let r = sc.world.checkSeed >>> 0;
    const pairs = sc.world.templates.map((_, t) => sc.world.readers.flatMap((x, i) => (x.template === t ? [sc.world.memberCount + i] : [])).slice(0, 2));
    const k: Checker = {
      s,
      seen: new Map(),
      oracles: new Map(),
      pick: () => (r = (Math.imul(r, 1103515245) + 12345) >>> 0) >>> 16,
      movers: new Set(),
      pairs: pairs.filter((pair) => pair.length > 0),
      turn: 0,
      classAt: new Map(),
    };
    await checkClasses(s);
    await checkAll(k, 'publishing');
    // 1. Directory changes after publishing, and reader changes, interleaved.
    const serial = { n: 0 };
    let [i, j] = [0, 0];
    for (const first of [...sc.order, ...sc.changes.map(() => true), ...sc.moves.map(() => false)]) {
      if ((first || j >= sc.moves.length) && i < sc.changes.length) {
        const what = await applyChange(s, sc.changes[i++] as Change);
        log.push(what);
        await checkAll(k, what);
      } else if (j < sc.moves.length) {
        try {
          log.push(...(await readerStep(k, sc.moves[j++] as ReaderChange, serial)));
        } finally {
          k.movers.clear();
        }
      }
    }
    // 2. DELETE.
    log.push(...(await deleteStep(k, sc.del)));
    // 3. Suspension, publishing meanwhile, resumption (of everyone still suspended).
    const target = sc.suspend.member;
    if (active(s, target)) {
      await setStatus(s, target, 'suspended');
      log.push(`${memberId(target)} suspended`);
      await checkAll(k, `${memberId(target)} suspended`);
    }
    const published = await publishNew(s, sc.suspend.objects, target, serial);
    log.push(...published);
    if (published.length > 0) await checkAll(k, `publishing while ${memberId(target)} is suspended: ${published.join('; ')}`);
    for (let m = 0; m < s.members.length; m++) {
      if (active(s, m)) continue;
      await setStatus(s, m, 'active');
      log.push(`${memberId(m)} resumed`);
      await checkAll(k, `${memberId(m)} resumed (steps: ${log.join(' | ')})`);
    }
  } finally {
    await w.close();
  }
}

test('after policy changes, deletions and suspensions every member sees exactly the oracle\'s set, and nothing else', async () => {
  console.log(`leak-changes property: seed ${SEED}, ${RUNS} runs (CHANGES_SEED / CHANGES_RUNS to change)`);
  const started = Date.now();
  await fc.assert(
    fc.asyncProperty(scenarioArb(), async (sc) => {
      const log: string[] = [];
      try {
        await run(sc, log);
      } catch (e) {
        if (e instanceof Error) e.message = `${e.message}\nsteps: ${log.join(' | ')}`;
        throw e;
      }
    }),
    { seed: SEED, numRuns: RUNS, ...(process.env.CHANGES_PATH ? { path: process.env.CHANGES_PATH } : {}), endOnFailure: process.env.CHANGES_SHRINK === undefined },
  );
  console.log(
    `leak-changes property: ${RUNS} runs in ${Date.now() - started} ms; ${shared.classes} classes of several members (the largest ${shared.largest}) in ` +
      `${shared.worldsWithShared} of ${shared.worlds} worlds; ${moves.members} reader moves, ${moves.changedClass} to another class, ` +
      `${moves.intoShared} into a class of several, ${moves.writers} readers given write access; ` +
      `${moves.freshAfterMove} versions newly visible to a member that moved class checked against its last read`,
  );
  // The property must not silently come down to classes of one, or to members that never move.
  expect(shared.worldsWithShared).toBeGreaterThanOrEqual(Math.floor(RUNS / 2));
  expect(moves.changedClass).toBeGreaterThanOrEqual(Math.floor(RUNS / 2));
  expect(moves.intoShared).toBeGreaterThanOrEqual(Math.floor(RUNS / 4));
  expect(moves.freshAfterMove).toBeGreaterThanOrEqual(Math.floor(RUNS / 4));
}, 600_000);

// The minimal reproduction of a bug the property once found: what was published while a
// member was suspended must reach it once resumed. Suspension and resumption change only
// MemberRecord.status, which neither memberFingerprint nor sharedFingerprint
// (src/sharing/rematerialisation.ts) includes; it works because readersOf keeps suspended
// members' views current (src/sharing/decision-inputs.ts).
test('a resumed member sees what was published while it was suspended', async () => {
  const world: WorldSpec = {
    salt: 7,
    memberCount: 2,
    groupCount: 1,
    memberGroups: [[], []],
    collectionCount: 1,
    acl: [{ collection: 0, grantee: 'everyone', read: true, write: true }],
    mous: [undefined, undefined],
    entities: [],
    batchSize: 1,
    openRead: [false],
    checkSeed: 0,
    templates: [],
    readers: [],
  };
  const w = await buildWorld(world);
  try {
    const s: State = { w, members: w.members.map((m) => ({ ...m })), acl: new Map(), mous: new Map(), published: [], ever: [] };
    await setStatus(s, 1, 'suspended');
    const objects = `/${ROOT}/collections/${w.collectionIds[0] as string}/objects/`;
    const indicator = {
      type: 'indicator', spec_version: '2.1', id: 'indicator--00000000-0000-4000-8000-000000000001',
      created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z',
      name: 'i', pattern: "[domain-name:value = 'x.example']", pattern_type: 'stix', valid_from: '2026-01-01T00:00:00.000Z',
    };
    const posted = await request(w.server).post(objects).set('Authorization', `Bearer ${tokenOf('m0')}`).set('Content-Type', TAXII).send(JSON.stringify({ objects: [indicator] }));
    expect(posted.status).toBe(202);
    expect((await request(w.server).get(objects).set('Authorization', `Bearer ${tokenOf('m1')}`)).status).toBe(403);
    // Resume: directly, without the CHANGES_REBUILD_ON_RESUME workaround.
    await apply(s, 'status', [{ op: 'put', kind: 'member', record: { ...(s.members[1] as MemberRecord), status: 'active' } }]);
    const res = await request(w.server).get(objects).set('Authorization', `Bearer ${tokenOf('m1')}`);
    expect(res.status).toBe(200);
    expect((JSON.parse(res.text) as Page).objects?.map((o) => o.id)).toEqual([indicator.id]);
  } finally {
    await w.close();
  }
});

// The second bug the property finds: DELETE removes the object from every view
// (deleteDerived) but does not decide again the relationships and sightings that were
// visible only through it (relationship closure), so a reader whose MOU requires closed
// relationships keeps a relationship whose endpoint no longer exists for it, until some
// directory change rebuilds its views (then it disappears): views depend on history.
test('deleting an object hides, for a closure-requiring reader, the relationships visible only through it', async () => {
  const receive = { ...DEFAULT_RECIPIENT_TERMS, relationshipClosed: true };
  const world: WorldSpec = {
    salt: 9,
    memberCount: 2,
    groupCount: 1,
    memberGroups: [[], []],
    collectionCount: 1,
    acl: [{ collection: 0, grantee: 'everyone', read: true, write: true }],
    mous: [undefined, { memberId: 'm1', provide: { ...DEFAULT_PROVIDER_TERMS }, receive }],
    entities: [],
    batchSize: 1,
    openRead: [false],
    checkSeed: 0,
    templates: [],
    readers: [],
  };
  const w = await buildWorld(world);
  try {
    const objects = `/${ROOT}/collections/${w.collectionIds[0] as string}/objects/`;
    const t = '2026-01-01T00:00:00.000Z';
    const malware = { type: 'malware', spec_version: '2.1', id: 'malware--00000000-0000-4000-8000-000000000001', created: t, modified: t, name: 'm', is_family: false };
    const rel = {
      type: 'relationship', spec_version: '2.1', id: 'relationship--00000000-0000-4000-8000-000000000002', created: t, modified: t,
      relationship_type: 'related-to', source_ref: malware.id, target_ref: malware.id,
    };
    const posted = await request(w.server).post(objects).set('Authorization', `Bearer ${tokenOf('m0')}`).set('Content-Type', TAXII).send(JSON.stringify({ objects: [malware, rel] }));
    expect(posted.status).toBe(202);
    const ids = async () => {
      const res = await request(w.server).get(objects).set('Authorization', `Bearer ${tokenOf('m1')}`);
      return ((JSON.parse(res.text) as Page).objects ?? []).map((o) => o.id as string).sort();
    };
    expect(await ids()).toEqual([malware.id, rel.id]);
    expect((await request(w.server).delete(`${objects}${malware.id}/`).set('Authorization', `Bearer ${tokenOf('m0')}`)).status).toBe(200);
    // A rebuild of m1's views (any change to its inputs) gives [] — the oracle's answer.
    expect(await ids()).toEqual([]);
  } finally {
    await w.close();
  }
});

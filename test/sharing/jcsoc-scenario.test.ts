// The example J-CSOC of `collections/`, told step by step over HTTP: the shipped
// directory files applied to a fresh store, each member with a token, and for every step
// exactly who sees what on objects/, manifest/, object by id, versions and the personal feeds.
// The tests share one app and run in order.
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { v4 as uuidv4 } from 'uuid';
import { hashToken } from '../../src/access/secrets';
import { LiveDirectory } from '../../src/access/live-directory';
import { applyFiles } from '../../src/admin/apply-files';
import type { DirectoryChange } from '../../src/directory/records';
import { Distributor } from '../../src/sharing/distributor';
import { makeTestApp, TAXII, testConfigObject, type TestApp } from '../helpers/test-app';

const DIR = path.join(__dirname, '..', '..', 'collections');
const INDICATORS = '/hub/collections/2f0d6a3e-6c1b-4c55-9a7e-2b8f0c1d4e5a';
const REPORTS = '/hub/collections/8a3c1f2e-9b4d-4e6f-a1b2-c3d4e5f60718';
const PARTNER = '/isac/collections/5d9e7c1a-3b2f-4a8d-9c6e-1f0a2b3c4d5e';
const feed = (m: Member) => `/feeds/collections/feed-${m}`;

const TLP2 = {
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};
// From collections/members.json.
const IDENTITY = {
  ohio: 'identity--1d832925-f379-4a83-a135-04af5323dbf8',
  michigan: 'identity--b1b41c54-8222-4827-aab6-2a888326ad11',
  indiana: 'identity--3333d9fe-d756-4f1a-a9c3-7b728261016b',
  illinois: 'identity--e36f7b69-cdaa-4ae9-8dd1-ad84c9fabee8',
  wisconsin: 'identity--3921163e-5277-4403-bc1a-d9ca36a00909',
};
const STATES = ['ohio', 'michigan', 'indiana', 'illinois', 'wisconsin'] as const;
const MEMBERS = [...STATES, 'ms-isac'] as const;
type Member = (typeof MEMBERS)[number];
type Who = Member | 'admin';
const token = (m: Who) => `${m}-token-0123456789`;
type Obj = Record<string, unknown> & { id: string };

const stamp = '2026-03-01T09:00:00.000Z';
const indicator = (by: keyof typeof IDENTITY, marking: keyof typeof TLP2, extra: Record<string, unknown> = {}): Obj => ({
  type: 'indicator',
  spec_version: '2.1',
  id: `indicator--${uuidv4()}`,
  created: stamp,
  modified: stamp,
  name: `${by} phishing sender`,
  indicator_types: ['malicious-activity'],
  pattern: `[email-addr:value = 'billing@${by}-phish.example']`,
  pattern_type: 'stix',
  valid_from: '2026-03-01T09:00:00Z',
  created_by_ref: IDENTITY[by],
  object_marking_refs: [TLP2[marking]],
  ...extra,
});
const relationship = (by: keyof typeof IDENTITY, source: string, target: string): Obj => ({
  type: 'relationship',
  spec_version: '2.1',
  id: `relationship--${uuidv4()}`,
  created: stamp,
  modified: stamp,
  relationship_type: 'related-to',
  source_ref: source,
  target_ref: target,
  created_by_ref: IDENTITY[by],
  object_marking_refs: [TLP2.green],
});

// The story's objects.
const ohioIdentity: Obj = { type: 'identity', spec_version: '2.1', id: IDENTITY.ohio, created: stamp, modified: stamp, name: 'Ohio Cyber Integration Center', identity_class: 'organization', created_by_ref: IDENTITY.ohio, object_marking_refs: [TLP2.green] };
const ohioPhish = indicator('ohio', 'green');
const INTRANET = 'https://intranet.michigan.example/cases/4711';
const PUBLIC = 'https://www.example.org/advisories/2026-03';
const michiganPhish = indicator('michigan', 'green', {
  x_internal_case: 'MI-4711',
  x_internal_analyst: 'j.doe',
  external_references: [
    { source_name: 'michigan-case', url: INTRANET },
    { source_name: 'public-advisory', url: PUBLIC },
  ],
});
const amberReport: Obj = {
  type: 'report',
  spec_version: '2.1',
  id: `report--${uuidv4()}`,
  created: stamp,
  modified: stamp,
  name: 'Phishing campaign against state payroll',
  report_types: ['campaign'],
  published: stamp,
  object_refs: [ohioPhish.id, michiganPhish.id],
  created_by_ref: IDENTITY.wisconsin,
  object_marking_refs: [TLP2.amber],
};
const redItem = indicator('indiana', 'red', { name: 'Indiana source-protected sender' });
const embargoed = indicator('illinois', 'green', { name: 'Illinois embargoed sender' });
const redToGreen = relationship('indiana', redItem.id, ohioPhish.id);
const greenToGreen = relationship('wisconsin', michiganPhish.id, ohioPhish.id);

let t: TestApp;
let pseudonym: string;

beforeAll(async () => {
  const { api_roots: _r, users: _u, ...server } = testConfigObject();
  t = await makeTestApp({ config: { ...server, discovery: { title: 'J-CSOC', description: 'test', contact: 'ops@example.org', default_api_root: 'hub' }, sharing: { feed_api_root: 'feeds', policy_change_wait_ms: 600_000 } } });
  await applyFiles(t.concord.admin, { memberId: 'hub', source: 'test' }, DIR);
  const changes: DirectoryChange[] = [];
  for (const m of [...MEMBERS, 'admin'] as const) {
    const memberId = m === 'admin' ? 'hub' : m;
    const role = m === 'admin' ? 'admin' : 'publisher';
    changes.push({ op: 'put', kind: 'credential', record: { id: `${m}-t`, memberId, kind: 'token', role, prefix: m, secretHash: hashToken(token(m)), createdAt: 0 } });
  }
  await t.concord.admin.directory.applyChanges({ memberId: 'hub' }, 'test.credentials', {}, () => changes);
  pseudonym = t.concord.sharing.identities.pseudonymOf('ohio');
});
afterAll(async () => t.close());

// ---------------------------------------------------------------------------------------
// helpers

async function publish(as: Member, collection: string, objects: Obj[]): Promise<void> {
  const res = await request(t.app).post(`${collection}/objects/`).set('Authorization', `Bearer ${token(as)}`).set('Content-Type', TAXII).send(JSON.stringify({ objects }));
  expect(res.status).toBe(202);
  const status = JSON.parse(res.text) as { success_count: number; failure_count: number; failures?: unknown };
  expect({ failures: status.failures, success: status.success_count }).toEqual({ failures: undefined, success: objects.length });
}

async function get(as: Who, url: string): Promise<request.Response> {
  return request(t.app).get(url).set('Authorization', `Bearer ${token(as)}`);
}

/** Every page of an envelope or manifest endpoint, with no duplicate id. */
async function all(as: Who, url: string, query = ''): Promise<Obj[]> {
  const out: Obj[] = [];
  let next: string | undefined;
  do {
    const sep = url.includes('?') ? '&' : '?';
    const res = await get(as, `${url}${sep}limit=3${query}${next ? `&next=${encodeURIComponent(next)}` : ''}`);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as { objects?: Obj[]; more?: boolean; next?: string };
    out.push(...(body.objects ?? []));
    next = body.more ? body.next : undefined;
  } while (next);
  return out;
}

const sorted = (ids: string[]) => [...ids].sort();

/** What `as` sees in a collection (or feed): the sorted ids of objects/ and manifest/, which must agree. */
async function seen(as: Who, collection: string, query = ''): Promise<string[]> {
  const objects = (await all(as, `${collection}/objects/`, query)).map((o) => o.id);
  const manifest = (await all(as, `${collection}/manifest/`, query)).map((o) => o.id);
  expect(new Set(objects).size).toBe(objects.length);
  expect(sorted(manifest)).toEqual(sorted(objects));
  // The date headers of one whole page are those of the visible objects only; on an empty
  // page, the point the query had reached (its added_after, else the epoch).
  const whole = await get(as, `${collection}/objects/?limit=1000${query}`);
  const dates = (await all(as, `${collection}/manifest/`, query)).map((o) => o.date_added as string).sort();
  const addedAfter = /added_after=([^&]+)/.exec(query)?.[1];
  const resumeAt = addedAfter === undefined ? '1970-01-01T00:00:00.000000Z' : decodeURIComponent(addedAfter).replace(/Z$/, '000Z');
  const [first, last] = dates.length > 0 ? [dates[0], dates[dates.length - 1]] : [resumeAt, resumeAt];
  expect([as, collection, whole.headers['x-taxii-date-added-first'], whole.headers['x-taxii-date-added-last']]).toEqual([as, collection, first, last]);
  return sorted(objects);
}

/** Asserts, for every member, the exact id set it sees in `collection` (null: no read access, a 404 on both endpoints). */
async function expectSeen(collection: string, expected: (m: Member) => string[] | null, query = ''): Promise<void> {
  const actual: Record<string, string[] | number[]> = {};
  const want: Record<string, string[] | number[]> = {};
  for (const m of MEMBERS) {
    const e = expected(m);
    if (e === null) {
      actual[m] = [(await get(m, `${collection}/objects/`)).status, (await get(m, `${collection}/manifest/`)).status];
      want[m] = [404, 404];
    } else {
      actual[m] = await seen(m, collection, query);
      want[m] = sorted(e);
    }
  }
  expect(actual).toEqual(want);
}

/** Asserts, for every member, the exact id set of its personal feed. */
async function expectFeeds(expected: (m: Member) => string[], query = ''): Promise<void> {
  const actual: Record<string, string[]> = {};
  const want: Record<string, string[]> = {};
  for (const m of MEMBERS) {
    actual[m] = await seen(m, feed(m), query);
    want[m] = sorted(expected(m));
  }
  expect(actual).toEqual(want);
}

async function objectOf(as: Who, collection: string, id: string): Promise<Obj | undefined> {
  return (await all(as, `${collection}/objects/`)).find((o) => o.id === id);
}

/** Not findable by `as` on any endpoint of `collection`. */
async function hiddenEverywhere(as: Member, collection: string, id: string, also: string[] = []): Promise<void> {
  expect([as, (await get(as, `${collection}/objects/${id}/`)).status]).toEqual([as, 404]);
  expect([as, (await get(as, `${collection}/objects/${id}/versions/`)).status]).toEqual([as, 404]);
  const matchIds = [id, ...also].join(',');
  const matched = (await all(as, `${collection}/objects/`, `&match[id]=${matchIds}`)).map((o) => o.id);
  expect([as, sorted(matched)]).toEqual([as, sorted(also)]);
  const manifest = (await all(as, `${collection}/manifest/`, `&match[id]=${matchIds}`)).map((o) => o.id);
  expect([as, sorted(manifest)]).toEqual([as, sorted(also)]);
}

/** Findable by `as` on every endpoint of `collection`. */
async function visibleEverywhere(as: Member, collection: string, id: string): Promise<void> {
  const one = await get(as, `${collection}/objects/${id}/`);
  expect([as, one.status]).toEqual([as, 200]);
  expect((JSON.parse(one.text) as { objects: Obj[] }).objects.map((o) => o.id)).toEqual([id]);
  expect([as, (await get(as, `${collection}/objects/${id}/versions/`)).status]).toEqual([as, 200]);
  expect((await all(as, `${collection}/objects/`, `&match[id]=${id}`)).map((o) => o.id)).toEqual([id]);
}

// What each member should see, accumulated as the story goes.
const step1For = (m: Member) => [m === 'ohio' ? IDENTITY.ohio : pseudonym, ohioPhish.id, michiganPhish.id];
const reportFor = (m: Member) => (m === 'ms-isac' ? [] : [amberReport.id]);
const redFor = (m: Member) => (m === 'indiana' || m === 'illinois' ? [redItem.id] : []);

// ---------------------------------------------------------------------------------------
// the story

test('0. the shipped directory: every member has its personal feed, and the collections its ACLs give it', async () => {
  for (const m of MEMBERS) {
    const res = await get(m, '/feeds/collections/');
    expect(res.status).toBe(200);
    expect((JSON.parse(res.text) as { collections: Array<{ alias: string }> }).collections.map((c) => c.alias)).toEqual([`feed-${m}`]);
  }
  const hub = JSON.parse((await get('ms-isac', '/hub/collections/')).text) as { collections?: Array<{ alias: string }> };
  expect((hub.collections ?? []).map((c) => c.alias)).toEqual(['indicators']);
  expect((await get('ms-isac', `${REPORTS}/objects/`)).status).toBe(404);
});

test('1. Ohio and Michigan publish TLP:GREEN phishing indicators: every state and ms-isac sees them, Ohio pseudonymised, Michigan stripped', async () => {
  await publish('ohio', INDICATORS, [ohioIdentity, ohioPhish]);
  await publish('michigan', INDICATORS, [michiganPhish]);

  await expectSeen(INDICATORS, step1For);
  await expectFeeds(step1For);
  expect(await get('admin', `${INDICATORS}/objects/`).then((r) => sorted((JSON.parse(r.text) as { objects: Obj[] }).objects.map((o) => o.id)))).toEqual(
    sorted([IDENTITY.ohio, ohioPhish.id, michiganPhish.id]),
  );

  // Attribution: Ohio sees its own; everyone else one stable pseudonym, in the collection and the feed.
  expect(pseudonym).toMatch(/^identity--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(pseudonym).not.toBe(IDENTITY.ohio);
  expect((await objectOf('ohio', INDICATORS, ohioPhish.id))?.created_by_ref).toBe(IDENTITY.ohio);
  for (const m of MEMBERS.filter((x) => x !== 'ohio')) {
    for (const where of [INDICATORS, feed(m)]) {
      const phish = await objectOf(m, where, ohioPhish.id);
      expect([m, where, phish?.created_by_ref]).toEqual([m, where, pseudonym]);
      // Ohio's identity object, replaced by the hub-issued pseudonym identity.
      const identity = await objectOf(m, where, pseudonym);
      expect([m, where, identity]).toEqual([
        m,
        where,
        {
          type: 'identity',
          spec_version: '2.1',
          id: pseudonym,
          created: stamp,
          modified: stamp,
          name: `Hub member ${pseudonym.slice(10, 18)}`,
          identity_class: 'organization',
          // The original's TLP:GREEN stays on the pseudonym.
          object_marking_refs: [TLP2.green],
        },
      ]);
      expect(JSON.stringify(await all(m, `${where}/objects/`))).not.toContain(IDENTITY.ohio);
      expect(JSON.stringify(await all(m, `${where}/objects/`))).not.toContain('Ohio Cyber Integration Center');
    }
    // Ohio's real identity id leads nowhere.
    await hiddenEverywhere(m, INDICATORS, IDENTITY.ohio);
  }

  // Stripping: Michigan sees its object whole; the others without x_internal_* or the intranet reference.
  for (const where of [INDICATORS, feed('michigan')]) {
    const own = await objectOf('michigan', where, michiganPhish.id);
    expect(own).toMatchObject({ x_internal_case: 'MI-4711', x_internal_analyst: 'j.doe', external_references: michiganPhish.external_references });
  }
  for (const m of MEMBERS.filter((x) => x !== 'michigan')) {
    for (const where of [INDICATORS, feed(m)]) {
      const theirs = await objectOf(m, where, michiganPhish.id);
      expect([m, Object.keys(theirs ?? {}).filter((k) => k.startsWith('x_internal_'))]).toEqual([m, []]);
      expect([m, theirs?.external_references]).toEqual([m, [{ source_name: 'public-advisory', url: PUBLIC }]]);
      expect(theirs?.created_by_ref).toBe(IDENTITY.michigan);
    }
  }
});

test('2. Wisconsin publishes a TLP:AMBER incident report: the states see it, ms-isac does not (no read access to reports; not in the audience where it reads)', async () => {
  await publish('wisconsin', REPORTS, [amberReport]);
  // Also where ms-isac reads: it must not see it there either.
  await publish('wisconsin', PARTNER, [amberReport]);

  await expectSeen(REPORTS, (m) => (m === 'ms-isac' ? null : [amberReport.id]));
  await expectSeen(PARTNER, reportFor);
  await expectSeen(INDICATORS, step1For);
  await expectFeeds((m) => [...step1For(m), ...reportFor(m)]);
  for (const m of STATES) await visibleEverywhere(m, REPORTS, amberReport.id);
  await hiddenEverywhere('ms-isac', PARTNER, amberReport.id);
  await hiddenEverywhere('ms-isac', feed('ms-isac'), amberReport.id);
  // The report's references to Ohio's pseudonymised indicator still resolve for the states.
  expect((await objectOf('michigan', REPORTS, amberReport.id))?.object_refs).toEqual([ohioPhish.id, michiganPhish.id]);
});

test('3. Indiana publishes a TLP:RED item: only Illinois, which Indiana names, sees it, on every endpoint', async () => {
  await publish('indiana', INDICATORS, [redItem]);

  await expectSeen(INDICATORS, (m) => [...step1For(m), ...redFor(m)]);
  await expectFeeds((m) => [...step1For(m), ...reportFor(m), ...redFor(m)]);
  for (const m of ['indiana', 'illinois'] as const) {
    await visibleEverywhere(m, INDICATORS, redItem.id);
    await visibleEverywhere(m, feed(m), redItem.id);
  }
  for (const m of ['ohio', 'michigan', 'wisconsin', 'ms-isac'] as const) {
    await hiddenEverywhere(m, INDICATORS, redItem.id, [ohioPhish.id]);
    await hiddenEverywhere(m, feed(m), redItem.id, [ohioPhish.id]);
  }
});

test('4. Illinois publishes under its 2-hour embargo: nobody else sees it until the release, then everyone finds it with added_after', async () => {
  await publish('illinois', INDICATORS, [embargoed]);
  const before = (m: Member) => [...step1For(m), ...redFor(m), ...(m === 'illinois' ? [embargoed.id] : [])];
  await expectSeen(INDICATORS, before);
  await expectFeeds((m) => [...before(m), ...reportFor(m)]);
  for (const m of MEMBERS.filter((x) => x !== 'illinois')) {
    await hiddenEverywhere(m, INDICATORS, embargoed.id, [ohioPhish.id]);
    await hiddenEverywhere(m, feed(m), embargoed.id);
  }

  const polled = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 5));
  // A distributor whose clock is three hours ahead, over the same store and keys, releases it.
  const later = new Distributor(t.store, new LiveDirectory(t.store), t.concord.sharing.identities, pino({ level: 'silent' }), () => Date.now() + 3 * 3_600_000);
  expect(await later.releaseDue()).toBeGreaterThan(0);

  const after = (m: Member) => [...step1For(m), ...redFor(m), embargoed.id];
  await expectSeen(INDICATORS, after);
  await expectFeeds((m) => [...after(m), ...reportFor(m)]);
  // Pollers since before the release get it, and only it (Illinois had it already).
  const since = `&added_after=${encodeURIComponent(polled)}`;
  await expectSeen(INDICATORS, (m) => (m === 'illinois' ? [] : [embargoed.id]), since);
  await expectFeeds((m) => (m === 'illinois' ? [] : [embargoed.id]), since);
  for (const m of MEMBERS) await visibleEverywhere(m, INDICATORS, embargoed.id);
});

test('5. a relationship from the RED item to a GREEN indicator is withheld from whoever cannot see the RED item', async () => {
  await publish('indiana', INDICATORS, [redToGreen]);
  // A control: GREEN to GREEN goes to every state (ms-isac does not receive relationships).
  await publish('wisconsin', INDICATORS, [greenToGreen]);

  const rels = (m: Member) => [...(m === 'ms-isac' ? [] : [greenToGreen.id]), ...(m === 'indiana' || m === 'illinois' ? [redToGreen.id] : [])];
  const now = (m: Member) => [...step1For(m), ...redFor(m), embargoed.id, ...rels(m)];
  await expectSeen(INDICATORS, now);
  await expectFeeds((m) => [...now(m), ...reportFor(m)]);
  await visibleEverywhere('illinois', INDICATORS, redToGreen.id);
  for (const m of ['ohio', 'michigan', 'wisconsin', 'ms-isac'] as const) {
    await hiddenEverywhere(m, INDICATORS, redToGreen.id);
    await hiddenEverywhere(m, feed(m), redToGreen.id);
  }
  // For Ohio's readers, the GREEN-to-GREEN relationship points at Ohio's indicator, whose id is unchanged.
  expect((await objectOf('michigan', INDICATORS, greenToGreen.id))?.target_ref).toBe(ohioPhish.id);
});

test('6. explain: why ms-isac does not see the AMBER report, rule by rule', async () => {
  const res = await get('admin', `/admin/v1/explain?member=ms-isac&object=${amberReport.id}`);
  expect(res.status).toBe(200);
  const body = JSON.parse(res.text) as {
    member: string;
    object: string;
    visible: boolean;
    consistent: boolean;
    collections: Array<{
      collectionId: string;
      access: { read: boolean; reasons: Array<{ rule: string }> };
      versions: Array<{ status: string; inView: boolean; decision?: { allow: boolean; marking: string; reasons: Array<{ rule: string; text: string }> } }>;
    }>;
  };
  expect(body).toMatchObject({ member: 'ms-isac', object: amberReport.id, visible: false, consistent: true });
  const byId = Object.fromEntries(body.collections.map((c) => [c.collectionId, c]));
  expect(Object.keys(byId).sort()).toEqual(['5d9e7c1a-3b2f-4a8d-9c6e-1f0a2b3c4d5e', '8a3c1f2e-9b4d-4e6f-a1b2-c3d4e5f60718']);
  // reports: no ACL entry gives ms-isac read (gate 1); no decision is made.
  const reports = byId['8a3c1f2e-9b4d-4e6f-a1b2-c3d4e5f60718'];
  expect(reports?.access.read).toBe(false);
  expect(reports?.access.reasons.map((r) => r.rule)).toEqual(['no-read-access']);
  expect(reports?.versions.map((v) => [v.status, v.inView, v.decision])).toEqual([['no-read-access', false, undefined]]);
  // partner-feed: ms-isac reads it, and the decision refuses the report.
  const partner = byId['5d9e7c1a-3b2f-4a8d-9c6e-1f0a2b3c4d5e'];
  expect(partner?.access.read).toBe(true);
  const version = partner?.versions[0];
  expect(version).toMatchObject({ status: 'hidden', inView: false, decision: { allow: false, marking: 'amber' } });
  // The provider's audience is checked first and already refuses it: Wisconsin gives AMBER
  // reports to group:states only, and ms-isac is not a state; the recipient side
  // (types, ceiling) is not reached.
  expect(version?.decision?.reasons).toEqual([
    { rule: 'audience', text: 'TLP:AMBER report from wisconsin goes only to clause 2 (group:states); ms-isac is not in them' },
  ]);
});

test('7. explain: the recipient side, where the provider audience lets ms-isac through', async () => {
  type Reasons = { collections: Array<{ versions: Array<{ status: string; decision?: { allow: boolean; reasons: Array<{ rule: string }> } }> }> };
  const explainRules = async (member: Member, id: string) => {
    const res = await get('admin', `/admin/v1/explain?member=${member}&object=${id}`);
    expect(res.status).toBe(200);
    const v = (JSON.parse(res.text) as Reasons).collections[0]?.versions[0];
    return [v?.status, v?.decision?.allow, v?.decision?.reasons.map((r) => r.rule)];
  };
  // A GREEN report goes to everyone, but ms-isac receives no reports.
  const greenReport: Obj = { ...amberReport, id: `report--${uuidv4()}`, object_marking_refs: [TLP2.green] };
  // An AMBER indicator: no clause of Wisconsin's names an audience for it, so the marking table's default applies.
  const amberIndicator = indicator('wisconsin', 'amber');
  await publish('wisconsin', PARTNER, [greenReport, amberIndicator]);
  await expectSeen(PARTNER, (m) => (m === 'ms-isac' ? [] : [amberReport.id, greenReport.id, amberIndicator.id]));
  expect(await explainRules('ms-isac', greenReport.id)).toEqual(['hidden', false, ['audience', 'recipient-types']]);
  expect(await explainRules('ms-isac', amberIndicator.id)).toEqual(['hidden', false, ['marking', 'recipient-types', 'recipient-ceiling']]);
  expect(await explainRules('illinois', amberReport.id)).toEqual(['visible', true, expect.arrayContaining(['audience'])]);
});

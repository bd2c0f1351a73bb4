// Explainability: explain() and simulate() over a small world published through
// the real server — the access gate, every reason rule, transforms, embargo, closure, and
// the check of each member's materialised view against its decisions.
import request from 'supertest';
import { versionKey } from '../../src/vocabulary/time';
import { v4 as uuidv4 } from 'uuid';
import { hashToken } from '../../src/access/secrets';
import { newTestStore } from '../helpers/test-store';
import type { DirectoryChange } from '../../src/directory/records';
import { DEFAULT_PROVIDER_TERMS, DEFAULT_RECIPIENT_TERMS, type Mou } from '../../src/directory/mou';
import { explain, simulate, summariseDistribution, distributionAuditEntry, DistributionTally, type Explanation } from '../../src/sharing/explain';
import { memberView } from '../helpers/member-views';
import { makeTestApp, TAXII, testConfigObject, type TestApp } from '../helpers/test-app';

const C = '60000000-0000-4000-8000-000000000001';
const TLP2 = {
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};
const OHIO_IDENTITY = `identity--${uuidv4()}`;
const MEMBERS = ['ohio', 'kentucky', 'michigan', 'indiana', 'illinois', 'isac', 'guest'] as const;
type M = (typeof MEMBERS)[number];
const token = (m: M | 'admin') => `${m}-token-0123456789`;

let t: TestApp;

function mou(memberId: string, provide: Partial<Mou['provide']> = {}, receive: Partial<Mou['receive']> = {}): DirectoryChange {
  return { op: 'put', kind: 'mou', record: { memberId, provide: { ...DEFAULT_PROVIDER_TERMS, ...provide }, receive: { ...DEFAULT_RECIPIENT_TERMS, ...receive } } };
}

const stamp = '2026-01-01T00:00:00.000Z';
const indicator = (marking: keyof typeof TLP2, extra: Record<string, unknown> = {}) => ({
  type: 'indicator',
  spec_version: '2.1',
  id: `indicator--${uuidv4()}`,
  created: stamp,
  modified: stamp,
  pattern: "[ipv4-addr:value = '198.51.100.7']",
  pattern_type: 'stix',
  valid_from: '2026-01-01T00:00:00Z',
  object_marking_refs: [TLP2[marking]],
  ...extra,
});
const kGreen = indicator('green');
const kRed = indicator('red');
const kAmber = indicator('amber');
const kMalware = { type: 'malware', spec_version: '2.1', id: `malware--${uuidv4()}`, created: stamp, modified: stamp, name: 'x', is_family: false, object_marking_refs: [TLP2.green] };
const kRel = {
  type: 'relationship',
  spec_version: '2.1',
  id: `relationship--${uuidv4()}`,
  created: stamp,
  modified: stamp,
  relationship_type: 'indicates',
  source_ref: kRed.id,
  target_ref: kMalware.id,
  object_marking_refs: [TLP2.green],
};
const oGreen = indicator('green', { created_by_ref: OHIO_IDENTITY });
const oAmber = indicator('amber', { created_by_ref: OHIO_IDENTITY });
const mGreen = indicator('green');

async function publish(as: M, objects: unknown[]): Promise<void> {
  const res = await request(t.app)
    .post(`/hub/collections/${C}/objects/`)
    .set('Authorization', `Bearer ${token(as)}`)
    .set('Content-Type', TAXII)
    .send(JSON.stringify({ objects }));
  expect(res.status).toBe(202);
  expect(JSON.parse(res.text).failure_count).toBe(0);
}

beforeAll(async () => {
  const store = await newTestStore();
  const cfg = testConfigObject({ api_roots: [{ path: 'hub', title: 'Hub', collections: [{ id: C, title: 'Shared' }] }], users: [{ id: 'admin', admin: true, token_sha256: [hashToken(token('admin'))] }] });
  t = await makeTestApp({ config: cfg, store });
  const changes: DirectoryChange[] = [{ op: 'put', kind: 'group', record: { id: 'states', name: 'States' } }];
  for (const m of MEMBERS) {
    const groups = m === 'isac' || m === 'guest' ? [] : ['states'];
    changes.push({ op: 'put', kind: 'member', record: { id: m, name: m, groups, status: 'active', ...(m === 'ohio' ? { identityRef: OHIO_IDENTITY } : {}) } });
    changes.push({ op: 'put', kind: 'credential', record: { id: `${m}-t`, memberId: m, kind: 'token', role: 'publisher', prefix: m, secretHash: hashToken(token(m)), createdAt: 0 } });
  }
  changes.push({ op: 'put', kind: 'acl', record: { collectionId: C, grantee: 'group:states', read: true, write: true } });
  changes.push({ op: 'put', kind: 'acl', record: { collectionId: C, grantee: 'member:isac', read: true, write: false } });
  // ohio: AMBER to the states but not illinois; RED to indiana by name; pseudonymised.
  changes.push(mou('ohio', { attribution: 'pseudonymise', audiences: [{ markings: ['amber'], to: ['group:states'], except: ['member:illinois'] }, { markings: ['red'], to: ['member:indiana'] }] }));
  changes.push(mou('michigan', { embargoHours: 24 }));
  changes.push(mou('isac', {}, { types: ['indicator'], markingCeiling: 'green' }));
  await t.concord.admin.directory.applyChanges({ memberId: 'admin' }, 'test.change', {}, () => changes);
  await publish('kentucky', [kGreen, kRed, kAmber, kMalware, kRel]);
  await publish('ohio', [oGreen, oAmber]);
  await publish('michigan', [mGreen]);
});
afterAll(async () => t.close());

const run = async (member: string, object: string): Promise<Explanation> =>
  explain(await t.concord.admin.directory.snapshot(), t.store, t.concord.sharing, member, object);

/** The one collection, the latest version. */
async function latest(member: string, object: string) {
  const e = await run(member, object);
  expect(e.collections).toHaveLength(1);
  const c = e.collections[0]!;
  const v = c.versions.find((x) => x.latest)!;
  return { e, c, v, rules: v.decision?.reasons.map((r) => r.rule) };
}

test('allowed: the ACL entry that grants read, the marking rule, in the view', async () => {
  const { e, c, v, rules } = await latest('indiana', kGreen.id);
  expect(e).toMatchObject({ member: 'indiana', object: kGreen.id, visible: true, consistent: true });
  expect(c.collectionId).toBe(C);
  expect(c.access.read).toBe(true);
  expect(c.access.reasons).toEqual([{ rule: 'acl', text: expect.stringContaining('group:states grants read and write') }]);
  expect(v).toMatchObject({ status: 'visible', provider: 'kentucky', expectedInView: true, inView: true, consistent: true });
  expect(v.decision).toMatchObject({ allow: true, marking: 'green', transforms: [] });
  expect(rules).toEqual(['marking']);
});

test('the provider sees its own object: rule own', async () => {
  const { v, rules } = await latest('kentucky', kRed.id);
  expect(v.status).toBe('visible');
  expect(rules).toEqual(['own']);
});

test('hidden by the marking table: TLP:RED no clause covers', async () => {
  const { e, v, rules } = await latest('indiana', kRed.id);
  expect(e.visible).toBe(false);
  expect(e.consistent).toBe(true);
  expect(v).toMatchObject({ status: 'hidden', inView: false, consistent: true, decision: { allow: false, marking: 'red' } });
  expect(rules).toEqual(['marking']);
});

test('hidden by an audience clause (excluded member)', async () => {
  const { v, rules } = await latest('illinois', oAmber.id);
  expect(v.status).toBe('hidden');
  expect(rules).toEqual(['audience']);
  expect(v.decision?.reasons[0]?.text).toMatch(/illinois is excluded from clause 1 by member:illinois/);
});

test('hidden by the ACL: no decision is made, the gate says why', async () => {
  const { e, c, v } = await latest('guest', kGreen.id);
  expect(e.visible).toBe(false);
  expect(c.access.read).toBe(false);
  expect(c.access.reasons.map((r) => r.rule)).toEqual(['no-read-access']);
  expect(c.access.reasons[0]?.text).toMatch(/no ACL entry grants it read \(its entries name group:states, member:isac\)/);
  expect(v).toMatchObject({ status: 'no-read-access', expectedInView: false, inView: false, consistent: true });
  expect(v.decision).toBeUndefined();
});

test('pseudonymised: the transform is listed with its reason', async () => {
  const { v, rules } = await latest('indiana', oGreen.id);
  expect(v.status).toBe('visible');
  expect(rules).toEqual(['marking', 'attribution']);
  expect(v.decision?.transforms).toEqual([{ kind: 'pseudonymise', identityRef: OHIO_IDENTITY, pseudonym: t.concord.sharing.identities.pseudonymOf('ohio') }]);
  expect(v).toMatchObject({ inView: true, consistent: true });
});

test('recipient side: types and ceiling', async () => {
  expect((await latest('isac', kMalware.id)).rules).toEqual(['marking', 'recipient-types']);
  expect((await latest('isac', kAmber.id)).rules).toEqual(['marking', 'recipient-types', 'recipient-ceiling']);
});

test('embargoed: allowed, visible from publication + 24 h, not in the view yet', async () => {
  const { v, rules } = await latest('indiana', mGreen.id);
  expect(v.status).toBe('embargoed');
  expect(rules).toEqual(['marking', 'embargo']);
  expect(v.decision?.allow).toBe(true);
  const from = Date.parse(v.decision?.visibleFrom ?? '');
  expect(from - Date.parse(v.dateAdded)).toBeGreaterThanOrEqual(24 * 3_600_000 - 1);
  expect(from - Date.parse(v.dateAdded)).toBeLessThanOrEqual(24 * 3_600_000 + 1);
  expect(v).toMatchObject({ expectedInView: false, inView: false, consistent: true });
});

test('closure: a relationship waiting for an object the member cannot see', async () => {
  const { v, rules } = await latest('indiana', kRel.id);
  expect(v.status).toBe('waiting');
  expect(rules).toEqual(['marking', 'closure']);
  expect(v.decision?.waitingFor).toEqual([kRed.id]);
  expect(v.consistent).toBe(true);
  // The provider's own relationship is visible to it.
  expect((await latest('kentucky', kRel.id)).v.status).toBe('visible');
});

test('every version is explained; only the last is latest', async () => {
  const v2 = { ...kGreen, modified: '2026-02-01T00:00:00.000Z', object_marking_refs: [TLP2.red] };
  await publish('kentucky', [v2]);
  const e = await run('indiana', kGreen.id);
  const versions = e.collections[0]!.versions;
  expect(versions.map((v) => [v.version, v.latest, v.status])).toEqual([
    [stamp, false, 'visible'],
    ['2026-02-01T00:00:00.000Z', true, 'hidden'],
  ]);
  expect(e.visible).toBe(false);
  expect(e.consistent).toBe(true);
});

test('a view that disagrees with its decision is reported', async () => {
  const extra = indicator('green');
  await publish('kentucky', [extra]);
  expect((await run('indiana', extra.id)).consistent).toBe(true);
  await t.store.deleteObject(await memberView(t.store, 'indiana', C), extra.id, { all: true });
  const e = await run('indiana', extra.id);
  expect(e.consistent).toBe(false);
  expect(e.collections[0]!.versions[0]).toMatchObject({ status: 'visible', expectedInView: true, inView: false, consistent: false, note: expect.any(String) });
  // Gone from the collection, so that the counts below are the world's.
  const keys = [versionKey(extra.modified as string) as string];
  await t.store.deleteObject(C, extra.id, { all: true });
  await t.concord.sharing.distributor.afterDelete(C, extra.id, keys);
});

test('unknown member, object nowhere → 404 errors', async () => {
  await expect(run('nobody', kGreen.id)).rejects.toMatchObject({ status: 404 });
  await expect(run('indiana', `indicator--${uuidv4()}`)).rejects.toMatchObject({ status: 404 });
});

test('simulate: per collection, what the member sees and why the rest is hidden', async () => {
  const d = await t.concord.admin.directory.snapshot();
  const isac = await simulate(d, t.store, t.concord.sharing, 'isac');
  // kGreen's latest version is now RED (see above): 8 objects.
  expect(isac).toMatchObject({ member: 'isac', total: 8, visible: 1, hidden: 7, consistent: true });
  expect(isac.collections).toHaveLength(1);
  expect(isac.collections[0]).toMatchObject({ collectionId: C, total: 8, visible: 1, inView: 1, consistent: true, access: { read: true } });
  expect(isac.hiddenBy).toEqual({ marking: 2, 'recipient-types': 2, 'recipient-ceiling': 1, audience: 1, embargo: 1 });

  const guest = await simulate(d, t.store, t.concord.sharing, 'guest');
  expect(guest).toMatchObject({ total: 8, visible: 0, hiddenBy: { 'no-read-access': 8 }, consistent: true });

  const indiana = await simulate(d, t.store, t.concord.sharing, 'indiana');
  // Sees kAmber, kMalware, oGreen, oAmber; not kGreen (RED now), kRed (RED), kRel (closure), mGreen (embargo).
  expect(indiana).toMatchObject({ total: 8, visible: 4, hiddenBy: { marking: 2, closure: 1, embargo: 1 }, consistent: true });

  await expect(simulate(d, t.store, t.concord.sharing, 'nobody')).rejects.toMatchObject({ status: 404 });
});

test('audit in aggregate: per audience class counts, member counts and totals over members, classes sorted', () => {
  const tally = new DistributionTally();
  const many = Array.from({ length: 8 }, (_, i) => `member-${i}`);
  tally.count('@b', ['indiana'], 'visible', 3);
  tally.count('@b', ['indiana'], 'hidden');
  tally.count('@a', many, 'deferred', 2);
  tally.count('@a', many, 'visible', 1);
  expect(summariseDistribution(tally.audiences, 6)).toEqual({
    versions: 6,
    readers: 9,
    audiences: [
      { class: '@a', members: 8, examples: many.slice(0, 5), visible: 1, hidden: 0, deferred: 2 },
      { class: '@b', members: 1, examples: ['indiana'], visible: 3, hidden: 1, deferred: 0 },
    ],
    totals: { visible: 3 + 8, hidden: 1, deferred: 16 },
  });
  expect(tally.visibleToMembers()).toBe(11);
  expect(distributionAuditEntry({ collectionId: C, audiences: tally.audiences, versions: 6, at: 5, memberId: 'ohio' })).toEqual({
    at: 5,
    kind: 'publish',
    action: 'objects.distribute',
    collectionId: C,
    memberId: 'ohio',
    details: summariseDistribution(tally.audiences, 6),
  });
});

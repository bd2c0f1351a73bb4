// Provenance between members who share a collection they can both write
// (src/taxii/provenance.ts), through the real server:
//   - only an object's creator (its provider, or the member its earlier versions name in
//     created_by_ref) adds versions of it (STIX 2.1 §3.6); admins may version anything;
//   - a member deletes only the versions it published (TAXII 2.1 §5.7); admins any;
//   - a duplicate is judged within the poster's view: posting a copy of an object that is
//     there but hidden answers exactly as if it were not there.
import request from 'supertest';
import { v4 as uuidv4 } from 'uuid';
import { hashToken } from '../../src/access/secrets';
import { newTestStore } from '../helpers/test-store';
import type { DirectoryChange } from '../../src/directory/records';
import { DEFAULT_PROVIDER_TERMS, DEFAULT_RECIPIENT_TERMS } from '../../src/directory/mou';
import { makeTestApp, TAXII, testConfigObject, type TestApp } from '../helpers/test-app';

const C = '50000000-0000-4000-8000-0000000000a1';
const TLP2 = {
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};
const IDENTITY = { ohio: `identity--${uuidv4()}`, indiana: `identity--${uuidv4()}` };
const MEMBERS = ['ohio', 'indiana', 'isac'] as const;
type M = (typeof MEMBERS)[number];
type Who = M | 'admin';
const token = (m: Who) => `${m}-token-0123456789`;

let t: TestApp;

beforeAll(async () => {
  const store = await newTestStore();
  const cfg = testConfigObject({
    api_roots: [{ path: 'hub', title: 'Hub', collections: [{ id: C, title: 'Shared' }] }],
    users: [{ id: 'admin', admin: true, token_sha256: [hashToken(token('admin'))] }],
  });
  t = await makeTestApp({ config: cfg, store });
  const changes: DirectoryChange[] = [];
  for (const m of MEMBERS) {
    const identityRef = m === 'isac' ? undefined : IDENTITY[m];
    changes.push({ op: 'put', kind: 'member', record: { id: m, name: m, groups: [], status: 'active', ...(identityRef ? { identityRef } : {}) } });
    changes.push({ op: 'put', kind: 'credential', record: { id: `${m}-t`, memberId: m, kind: 'token', role: 'publisher', prefix: m, secretHash: hashToken(token(m)), createdAt: 0 } });
    changes.push({ op: 'put', kind: 'acl', record: { collectionId: C, grantee: `member:${m}`, read: true, write: m !== 'isac' } });
    // The default terms: GREEN goes to every member, RED to no one but its provider.
    changes.push({ op: 'put', kind: 'mou', record: { memberId: m, provide: DEFAULT_PROVIDER_TERMS, receive: DEFAULT_RECIPIENT_TERMS } });
  }
  await t.concord.admin.directory.applyChanges({ memberId: 'admin' }, 'test.change', {}, () => changes);
});
afterAll(async () => t.close());

const ts = (n: number) => `2026-03-0${n}T00:00:00.000Z`;

function indicator(marking: keyof typeof TLP2, createdBy?: string, id = `indicator--${uuidv4()}`, modified = ts(1)): Record<string, unknown> {
  return {
    type: 'indicator',
    spec_version: '2.1',
    id,
    created: ts(1),
    modified,
    pattern: "[ipv4-addr:value = '198.51.100.7']",
    pattern_type: 'stix',
    valid_from: '2026-03-01T00:00:00Z',
    object_marking_refs: [TLP2[marking]],
    ...(createdBy ? { created_by_ref: createdBy } : {}),
  };
}

const nextVersion = (o: Record<string, unknown>, n: number, extra: Record<string, unknown> = {}) => ({ ...o, modified: ts(n), ...extra });

function ipv4(value: string, marking?: keyof typeof TLP2): Record<string, unknown> {
  // A deterministic id: anyone can compute it from the value (STIX 2.1 §2.9), which is why
  // a duplicate must not answer for copies the poster cannot see.
  const id = `ipv4-addr--${uuidv4()}`;
  return { type: 'ipv4-addr', spec_version: '2.1', id, value, ...(marking ? { object_marking_refs: [TLP2[marking]] } : {}) };
}

interface Status {
  success_count: number;
  failure_count: number;
  successes?: Array<{ id: string; version: string; message?: string }>;
  failures?: Array<{ id: string; version: string; message?: string }>;
}

async function post(as: Who, objects: unknown[]): Promise<Status> {
  const res = await request(t.app)
    .post(`/hub/collections/${C}/objects/`)
    .set('Authorization', `Bearer ${token(as)}`)
    .set('Content-Type', TAXII)
    .send(JSON.stringify({ objects }));
  expect(res.status).toBe(202);
  return JSON.parse(res.text) as Status;
}

async function versions(as: Who, id: string): Promise<string[] | number> {
  const res = await request(t.app).get(`/hub/collections/${C}/objects/${id}/versions/`).set('Authorization', `Bearer ${token(as)}`);
  return res.status === 200 ? ((JSON.parse(res.text) as { versions?: string[] }).versions ?? []) : res.status;
}

async function latest(as: Who, id: string): Promise<Record<string, unknown> | number> {
  const res = await request(t.app).get(`/hub/collections/${C}/objects/${id}/`).set('Authorization', `Bearer ${token(as)}`);
  return res.status === 200 ? ((JSON.parse(res.text) as { objects: Array<Record<string, unknown>> }).objects[0] as Record<string, unknown>) : res.status;
}

async function del(as: Who, id: string, version?: string): Promise<{ status: number; description?: string }> {
  const res = await request(t.app)
    .delete(`/hub/collections/${C}/objects/${id}/${version ? `?match[version]=${encodeURIComponent(version)}` : ''}`)
    .set('Authorization', `Bearer ${token(as)}`)
    .set('Accept', TAXII);
  return { status: res.status, ...(res.text ? { description: (JSON.parse(res.text) as { description?: string }).description } : {}) };
}

const VERSION_REFUSAL = /another member published this object in this collection, and only an object's creator may add versions of it \(STIX 2\.1 §3\.6\)/;

describe('only the creator adds versions (STIX 2.1 §3.6)', () => {
  test("a member cannot post a newer version of another member's object: refused alone, and every reader keeps the original", async () => {
    const original = indicator('green', IDENTITY.ohio);
    await post('ohio', [original]);
    expect(await latest('indiana', original.id as string)).toEqual(original); // indiana can see it

    const hijack = nextVersion(original, 2, { description: 'rewritten by another member' });
    const mine = indicator('green', IDENTITY.indiana);
    const status = await post('indiana', [hijack, mine]);
    expect(status.success_count).toBe(1);
    expect(status.successes?.map((s) => s.id)).toEqual([mine.id]);
    expect(status.failures).toEqual([{ id: original.id, version: ts(2), message: expect.stringMatching(VERSION_REFUSAL) }]);
    for (const who of ['admin', 'ohio', 'indiana', 'isac'] as const) {
      expect(await versions(who, original.id as string)).toEqual([ts(1)]);
      expect(await latest(who, original.id as string)).toEqual(original);
    }
  });

  test('the provider versions its own object; an admin may version any', async () => {
    const original = indicator('green', IDENTITY.ohio);
    await post('ohio', [original]);
    expect((await post('ohio', [nextVersion(original, 2)])).success_count).toBe(1);
    expect((await post('admin', [nextVersion(original, 3)])).success_count).toBe(1);
    expect(await versions('indiana', original.id as string)).toEqual([ts(1), ts(2), ts(3)]);
  });

  test('re-posting a version one can see is the duplicate it is, not a refusal', async () => {
    const original = indicator('green', IDENTITY.ohio);
    await post('ohio', [original]);
    const status = await post('indiana', [original]);
    expect(status).toMatchObject({ success_count: 1, failure_count: 0, successes: [{ id: original.id, version: ts(1), message: 'already in the collection (exact duplicate)' }] });
    expect(await versions('admin', original.id as string)).toEqual([ts(1)]);
  });

  test('the member named by created_by_ref of every earlier version versions an object another member relayed', async () => {
    const relayed = indicator('green', IDENTITY.ohio);
    await post('indiana', [relayed]); // indiana relays ohio's indicator
    expect((await post('ohio', [nextVersion(relayed, 2)])).success_count).toBe(1);
    // Claiming authorship of an object whose earlier versions name someone else does not work.
    const indianas = indicator('green', IDENTITY.indiana);
    await post('indiana', [indianas]);
    const claim = await post('ohio', [nextVersion(indianas, 2, { created_by_ref: IDENTITY.ohio })]);
    expect(claim.failures?.[0]?.message).toMatch(VERSION_REFUSAL);
    expect(await versions('admin', indianas.id as string)).toEqual([ts(1)]);
  });
});

describe('duplicates are judged within the poster’s view: a hidden object never shows', () => {
  test("an SCO another member holds hidden is stored as the poster's own version; the answer is the one a new object gets", async () => {
    const secret = ipv4('203.0.113.9', 'red');
    await post('ohio', [secret]);
    expect(await versions('indiana', secret.id as string)).toBe(404); // RED: hidden from indiana

    const fresh = ipv4('203.0.113.10');
    const copy = { ...secret, object_marking_refs: [TLP2.green] };
    const status = await post('indiana', [copy, fresh]);
    // Both answered alike: a success with a version of its own and no message.
    expect(status.failure_count).toBe(0);
    expect(status.successes?.map((s) => Object.keys(s).sort())).toEqual([
      ['id', 'version'],
      ['id', 'version'],
    ]);
    const ohioVersion = (await versions('ohio', secret.id as string)) as string[];
    expect(ohioVersion).toHaveLength(2); // ohio sees its own copy and indiana's GREEN one
    const indianaVersion = status.successes?.[0]?.version as string;
    expect(ohioVersion[0]).not.toBe(indianaVersion);
    expect(await versions('indiana', secret.id as string)).toEqual([indianaVersion]);
    expect(await latest('indiana', secret.id as string)).toEqual(copy);
    expect(await versions('isac', secret.id as string)).toEqual([indianaVersion]);
    // indiana's re-post is a duplicate of its own copy.
    expect((await post('indiana', [copy])).successes).toEqual([{ id: secret.id, version: indianaVersion, message: 'already in the collection (exact duplicate)' }]);
  });

  test('an SCO one can see is a duplicate, as before', async () => {
    const shared = ipv4('203.0.113.11', 'green');
    const [added] = (await post('ohio', [shared])).successes ?? [];
    expect((await post('indiana', [shared])).successes).toEqual([{ id: shared.id, version: added?.version, message: 'already in the collection (exact duplicate)' }]);
    expect(await versions('admin', shared.id as string)).toHaveLength(1);
  });

  test('a hidden versioned object answers "refused: another member published it" whatever version is posted, and nothing changes', async () => {
    const secret = indicator('red', IDENTITY.ohio);
    await post('ohio', [secret]);
    expect(await versions('indiana', secret.id as string)).toBe(404);
    const sameVersion = await post('indiana', [{ ...secret, description: 'a guess' }]);
    const newVersion = await post('indiana', [nextVersion(secret, 2)]);
    expect(sameVersion.failures?.[0]?.message).toMatch(VERSION_REFUSAL);
    expect(newVersion.failures?.[0]?.message).toMatch(VERSION_REFUSAL);
    expect(await versions('admin', secret.id as string)).toEqual([ts(1)]);
    expect(await latest('admin', secret.id as string)).toEqual(secret);
  });

  test("posting a hidden object's exact content is a duplicate (only a holder of that content gets that answer)", async () => {
    const secret = indicator('red', IDENTITY.ohio);
    await post('ohio', [secret]);
    const reordered = Object.fromEntries(Object.entries(secret).reverse());
    expect((await post('indiana', [reordered])).successes).toEqual([{ id: secret.id, version: ts(1), message: 'already in the collection (exact duplicate)' }]);
    expect(await versions('admin', secret.id as string)).toEqual([ts(1)]);
    expect(await versions('indiana', secret.id as string)).toBe(404);
  });
});

describe('a member deletes only what it published (TAXII 2.1 §5.7)', () => {
  test("deleting another member's object → 403 with the reason; nothing deleted; its provider and an admin may", async () => {
    const a = indicator('green', IDENTITY.ohio);
    await post('ohio', [a, nextVersion(a, 2)]);
    const refused = await del('indiana', a.id as string);
    expect(refused.status).toBe(403);
    expect(refused.description).toMatch(/only the versions your organisation published: 2 of the 2 version\(s\) selected/);
    expect(await versions('admin', a.id as string)).toEqual([ts(1), ts(2)]);
    expect((await del('ohio', a.id as string, ts(2))).status).toBe(200);
    expect((await del('admin', a.id as string)).status).toBe(200);
    expect(await versions('admin', a.id as string)).toBe(404);
  });

  test('a hidden object is not found (404), never forbidden', async () => {
    const secret = indicator('red', IDENTITY.ohio);
    await post('ohio', [secret]);
    expect((await del('indiana', secret.id as string)).status).toBe(404);
    expect(await versions('admin', secret.id as string)).toEqual([ts(1)]);
  });

  test("an SCO with two members' copies: each deletes its own with match[version]; deleting all of it is refused", async () => {
    const sco = ipv4('203.0.113.12', 'green');
    const mine = (await post('ohio', [sco])).successes?.[0]?.version as string;
    // indiana cannot see ohio's copy if it is RED; here it can, so its post is a duplicate.
    expect((await post('indiana', [sco])).successes?.[0]?.message).toBe('already in the collection (exact duplicate)');
    const secret = ipv4('203.0.113.13', 'red');
    const ohios = (await post('ohio', [secret])).successes?.[0]?.version as string;
    const indianas = (await post('indiana', [{ ...secret, object_marking_refs: [TLP2.green] }])).successes?.[0]?.version as string;
    expect(await versions('ohio', secret.id as string)).toEqual([ohios, indianas]);
    expect((await del('ohio', secret.id as string)).status).toBe(403);
    expect((await del('ohio', secret.id as string, ohios)).status).toBe(200);
    expect(await versions('admin', secret.id as string)).toEqual([indianas]);
    expect((await del('indiana', secret.id as string)).status).toBe(200);
    expect((await del('ohio', sco.id as string)).status).toBe(200);
    expect(mine).toBeDefined();
  });
});

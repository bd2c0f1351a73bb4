// References to objects a reader may not see, through the real server: a member never
// receives the id of an object hidden from it, in object_refs or any other *_ref / *_refs
// property; an object that cannot stand without such a reference is withheld until the
// member sees it; a provider may ask to withhold rather than redact; explain says which.
import request from 'supertest';
import { v4 as uuidv4 } from 'uuid';
import { hashToken } from '../../src/access/secrets';
import { newTestStore } from '../helpers/test-store';
import type { DirectoryChange } from '../../src/directory/records';
import { DEFAULT_PROVIDER_TERMS, DEFAULT_RECIPIENT_TERMS, type Mou } from '../../src/directory/mou';
import { makeTestApp, TAXII, testConfigObject, type TestApp } from '../helpers/test-app';

const C = '50000000-0000-4000-8000-0000000000f1';
const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const RED = 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1';
const MEMBERS = ['ohio', 'illinois', 'indiana'] as const;
type M = (typeof MEMBERS)[number];
const token = (m: M | 'admin') => `${m}-token-0123456789`;

let t: TestApp;

function mou(memberId: string, provide: Partial<Mou['provide']> = {}): DirectoryChange {
  return { op: 'put', kind: 'mou', record: { memberId, provide: { ...DEFAULT_PROVIDER_TERMS, ...provide }, receive: { ...DEFAULT_RECIPIENT_TERMS } } };
}

beforeAll(async () => {
  const cfg = testConfigObject({ api_roots: [{ path: 'hub', title: 'Hub', collections: [{ id: C, title: 'Shared' }] }], users: [{ id: 'admin', admin: true, token_sha256: [hashToken(token('admin'))] }] });
  t = await makeTestApp({ config: cfg, store: await newTestStore() });
  const changes: DirectoryChange[] = [];
  for (const m of MEMBERS) {
    changes.push({ op: 'put', kind: 'member', record: { id: m, name: m, groups: [], status: 'active' } });
    changes.push({ op: 'put', kind: 'credential', record: { id: `${m}-t`, memberId: m, kind: 'token', role: 'publisher', prefix: m, secretHash: hashToken(token(m)), createdAt: 0 } });
  }
  changes.push({ op: 'put', kind: 'acl', record: { collectionId: C, grantee: 'everyone', read: true, write: true } });
  changes.push(mou('illinois', { redactReferences: 'withhold' }));
  await t.concord.admin.directory.applyChanges({ memberId: 'admin' }, 'test.change', {}, () => changes);
});
afterAll(async () => t.close());

const indicator = (marking: string) => ({
  type: 'indicator',
  spec_version: '2.1',
  id: `indicator--${uuidv4()}`,
  created: '2026-01-01T00:00:00.000Z',
  modified: '2026-01-01T00:00:00.000Z',
  pattern: "[ipv4-addr:value = '198.51.100.7']",
  pattern_type: 'stix',
  valid_from: '2026-01-01T00:00:00Z',
  object_marking_refs: [marking],
});
const report = (refs: string[], extra: Record<string, unknown> = {}) => ({
  type: 'report',
  spec_version: '2.1',
  id: `report--${uuidv4()}`,
  created: '2026-01-01T00:00:00.000Z',
  modified: '2026-01-01T00:00:00.000Z',
  name: 'r',
  published: '2026-01-01T00:00:00Z',
  object_refs: refs,
  object_marking_refs: [GREEN],
  ...extra,
});

async function publish(as: M, objects: unknown[]): Promise<void> {
  const res = await request(t.app).post(`/hub/collections/${C}/objects/`).set('Authorization', `Bearer ${token(as)}`).set('Content-Type', TAXII).send(JSON.stringify({ objects }));
  expect(res.status).toBe(202);
  expect(JSON.parse(res.text).failure_count).toBe(0);
}

async function object(as: M, id: string): Promise<Record<string, unknown> | undefined> {
  const res = await request(t.app).get(`/hub/collections/${C}/objects/${id}/`).set('Authorization', `Bearer ${token(as)}`);
  if (res.status === 404) return undefined;
  expect(res.status).toBe(200);
  return (JSON.parse(res.text) as { objects: Array<Record<string, unknown>> }).objects[0];
}

interface ExplainedVersion {
  status: string;
  decision?: { reasons: Array<{ rule: string; text: string }>; transforms: Array<{ kind: string; ids?: string[] }>; waitingFor?: string[] };
}

async function explained(member: M, id: string): Promise<ExplainedVersion> {
  const res = await request(t.app).get(`/admin/v1/explain?member=${member}&object=${id}`).set('Authorization', `Bearer ${token('admin')}`);
  expect(res.status).toBe(200);
  const body = JSON.parse(res.text) as { collections: Array<{ versions: ExplainedVersion[] }>; consistent: boolean };
  expect(body.consistent).toBe(true);
  return body.collections[0]?.versions[0] as ExplainedVersion;
}

test('a GREEN report naming a RED indicator reaches the reader without its id, custom references too', async () => {
  const green = indicator(GREEN);
  const red = indicator(RED);
  // The report first in the envelope: it is still decided after the indicators it names.
  const r = report([red.id, green.id], { x_foo_ref: red.id, x_bar_refs: [red.id, green.id], x_baz_refs: [red.id] });
  await publish('ohio', [r, green, red]);

  const served = await object('indiana', r.id);
  expect(served).toBeDefined();
  expect(served?.object_refs).toEqual([green.id]);
  expect(served).not.toHaveProperty('x_foo_ref');
  expect(served?.x_bar_refs).toEqual([green.id]);
  expect(served).not.toHaveProperty('x_baz_refs');
  expect(JSON.stringify(served)).not.toContain(red.id);
  // The provider sees its own report unchanged.
  expect(await object('ohio', r.id)).toEqual(r);

  const why = await explained('indiana', r.id);
  expect(why.status).toBe('visible');
  expect(why.decision?.transforms).toEqual([{ kind: 'redact-refs', ids: [red.id] }]);
  expect(why.decision?.reasons.at(-1)?.rule).toBe('references');
  expect(why.decision?.reasons.at(-1)?.text).toContain(red.id);
});

test('a report whose only reference is hidden is withheld, and delivered once the reader sees it', async () => {
  const red = indicator(RED);
  const r = report([red.id]);
  await publish('ohio', [red, r]);
  expect(await object('indiana', r.id)).toBeUndefined();
  const why = await explained('indiana', r.id);
  expect(why.status).toBe('waiting');
  expect(why.decision?.waitingFor).toEqual([red.id]);
  expect(why.decision?.reasons.at(-1)?.text).toContain('object_refs is required for report');

  // Published before the object it names: waits for it, then arrives whole.
  const later = indicator(GREEN);
  const early = report([later.id]);
  await publish('ohio', [early]);
  expect(await object('indiana', early.id)).toBeUndefined();
  await publish('ohio', [later]);
  expect((await object('indiana', early.id))?.object_refs).toEqual([later.id]);
});

test('a provider that withholds rather than redacts: the report is withheld', async () => {
  const green = indicator(GREEN);
  const red = indicator(RED);
  const r = report([green.id, red.id]);
  await publish('illinois', [green, red, r]);
  expect(await object('indiana', green.id)).toBeDefined();
  expect(await object('indiana', r.id)).toBeUndefined();
  expect(await object('illinois', r.id)).toEqual(r);
  const why = await explained('indiana', r.id);
  expect(why.status).toBe('waiting');
  expect(why.decision?.reasons.at(-1)?.text).toContain('withholds rather than redacts');
});

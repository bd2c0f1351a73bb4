// Distribution through the real server: each member reads, on every endpoint,
// exactly what its agreement and the providers' agreements let it see — paging, counts and
// date headers included — and a policy change takes effect on the next request.
import request from 'supertest';
import { v4 as uuidv4 } from 'uuid';
import { hashToken } from '../../src/access/secrets';
import { newTestStore } from '../helpers/test-store';
import type { DirectoryChange } from '../../src/directory/records';
import { DEFAULT_PROVIDER_TERMS, DEFAULT_RECIPIENT_TERMS, type Mou } from '../../src/directory/mou';
import { makeTestApp, TAXII, testConfigObject, type TestApp } from '../helpers/test-app';

const C = '50000000-0000-4000-8000-000000000001';
const TLP2 = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};
const IDENTITY = { ohio: `identity--${uuidv4()}` };
const MEMBERS = ['ohio', 'indiana', 'illinois', 'isac'] as const;
type M = (typeof MEMBERS)[number];
const token = (m: M | 'admin') => `${m}-token-0123456789`;

let t: TestApp;

function mou(memberId: string, provide: Partial<Mou['provide']> = {}, receive: Partial<Mou['receive']> = {}): DirectoryChange {
  return { op: 'put', kind: 'mou', record: { memberId, provide: { ...DEFAULT_PROVIDER_TERMS, ...provide }, receive: { ...DEFAULT_RECIPIENT_TERMS, ...receive } } };
}

async function change(changes: DirectoryChange[]): Promise<void> {
  // Through the admin service, as the API and CLI do, so that views are re-materialised.
  const admin = t.concord.admin;
  await admin.directory.applyChanges({ memberId: 'admin' }, 'test.change', {}, () => changes);
}

beforeAll(async () => {
  const store = await newTestStore();
  const cfg = testConfigObject({ api_roots: [{ path: 'hub', title: 'Hub', collections: [{ id: C, title: 'Shared' }] }], users: [{ id: 'admin', admin: true, token_sha256: [hashToken(token('admin'))] }] });
  t = await makeTestApp({ config: cfg, store });
  const changes: DirectoryChange[] = [{ op: 'put', kind: 'group', record: { id: 'states', name: 'States' } }];
  for (const m of MEMBERS) {
    changes.push({ op: 'put', kind: 'member', record: { id: m, name: m, groups: m === 'isac' ? [] : ['states'], status: 'active', ...(m === 'ohio' ? { identityRef: IDENTITY.ohio } : {}) } });
    changes.push({ op: 'put', kind: 'credential', record: { id: `${m}-t`, memberId: m, kind: 'token', role: 'publisher', prefix: m, secretHash: hashToken(token(m)), createdAt: 0 } });
  }
  changes.push({ op: 'put', kind: 'acl', record: { collectionId: C, grantee: 'group:states', read: true, write: true } });
  changes.push({ op: 'put', kind: 'acl', record: { collectionId: C, grantee: 'member:isac', read: true, write: false } });
  // ohio: AMBER to the states only; RED to indiana by name; pseudonymised.
  changes.push(mou('ohio', { attribution: 'pseudonymise', audiences: [{ markings: ['amber'], to: ['group:states'] }, { markings: ['red'], to: ['member:indiana'] }] }));
  // isac receives indicators only, up to GREEN.
  changes.push(mou('isac', {}, { types: ['indicator'], markingCeiling: 'green' }));
  await change(changes);
});
afterAll(async () => t.close());

const indicator = (marking: keyof typeof TLP2, extra: Record<string, unknown> = {}) => ({
  type: 'indicator',
  spec_version: '2.1',
  id: `indicator--${uuidv4()}`,
  created: '2026-01-01T00:00:00.000Z',
  modified: '2026-01-01T00:00:00.000Z',
  pattern: "[ipv4-addr:value = '198.51.100.1']",
  pattern_type: 'stix',
  valid_from: '2026-01-01T00:00:00Z',
  created_by_ref: IDENTITY.ohio,
  object_marking_refs: [TLP2[marking]],
  ...extra,
});

async function publish(as: M, objects: unknown[]): Promise<void> {
  const res = await request(t.app)
    .post(`/hub/collections/${C}/objects/`)
    .set('Authorization', `Bearer ${token(as)}`)
    .set('Content-Type', TAXII)
    .send(JSON.stringify({ objects }));
  expect(res.status).toBe(202);
  expect(JSON.parse(res.text).failure_count).toBe(0);
}

async function seen(as: M | 'admin', query = ''): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  let next: string | undefined;
  do {
    const res = await request(t.app)
      .get(`/hub/collections/${C}/objects/?limit=2${query}${next ? `&next=${encodeURIComponent(next)}` : ''}`)
      .set('Authorization', `Bearer ${token(as)}`);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as { objects?: Array<Record<string, unknown>>; more?: boolean; next?: string };
    out.push(...(body.objects ?? []));
    next = body.more ? body.next : undefined;
  } while (next);
  return out;
}

const green = indicator('green');
const amber = indicator('amber');
const red = indicator('red');
const malware = { type: 'malware', spec_version: '2.1', id: `malware--${uuidv4()}`, created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z', name: 'x', is_family: false };

test('each member pages through exactly what it may see; the provider sees its own objects unchanged', async () => {
  await publish('ohio', [green, amber, red, malware]);
  const ids = async (as: M | 'admin') => (await seen(as)).map((o) => o.id).sort();
  expect(await ids('admin')).toEqual([green.id, amber.id, red.id, malware.id].sort());
  expect(await ids('ohio')).toEqual([green.id, amber.id, red.id, malware.id].sort());
  expect(await ids('indiana')).toEqual([green.id, amber.id, red.id, malware.id].sort());
  expect(await ids('illinois')).toEqual([green.id, amber.id, malware.id].sort());
  expect(await ids('isac')).toEqual([green.id]);
  expect((await seen('ohio')).find((o) => o.id === green.id)?.created_by_ref).toBe(IDENTITY.ohio);
});

test('pseudonymised for everyone but the provider, with one stable pseudonym', async () => {
  const attributed = (objects: Array<Record<string, unknown>>) => objects.map((o) => o.created_by_ref).filter((r) => r !== undefined);
  const forIndiana = attributed(await seen('indiana'));
  const forIsac = attributed(await seen('isac'));
  expect(forIndiana.length).toBeGreaterThan(1);
  expect(new Set(forIndiana).size).toBe(1);
  expect(forIndiana[0]).not.toBe(IDENTITY.ohio);
  expect(forIndiana[0]).toMatch(/^identity--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(forIsac[0]).toBe(forIndiana[0]);
});

test('hidden objects are absent from every endpoint: object, versions, manifest, filters and counts', async () => {
  const auth = ['Authorization', `Bearer ${token('isac')}`] as const;
  expect((await request(t.app).get(`/hub/collections/${C}/objects/${red.id}/`).set(...auth)).status).toBe(404);
  expect((await request(t.app).get(`/hub/collections/${C}/objects/${red.id}/versions/`).set(...auth)).status).toBe(404);
  const manifest = JSON.parse((await request(t.app).get(`/hub/collections/${C}/manifest/`).set(...auth)).text) as { objects: Array<{ id: string }> };
  expect(manifest.objects.map((o) => o.id)).toEqual([green.id]);
  const filtered = await seen('isac', `&match[id]=${red.id},${green.id}`);
  expect(filtered.map((o) => o.id)).toEqual([green.id]);
  // One visible object: a page of one is the last page, and its date headers are that object's.
  const page = await request(t.app).get(`/hub/collections/${C}/objects/?limit=1`).set(...auth);
  const body = JSON.parse(page.text) as { more: boolean; objects: unknown[] };
  expect(body.more).toBe(false);
  expect(body.objects).toHaveLength(1);
  expect(page.headers['x-taxii-date-added-first']).toBe(page.headers['x-taxii-date-added-last']);
  expect(page.headers['x-taxii-date-added-first']).toBe(manifest.objects[0] && (manifest.objects[0] as unknown as { date_added: string }).date_added);
});

test('a relationship to an object the reader cannot see is withheld from it (closure)', async () => {
  const rel = {
    type: 'relationship',
    spec_version: '2.1',
    id: `relationship--${uuidv4()}`,
    created: '2026-01-01T00:00:00.000Z',
    modified: '2026-01-01T00:00:00.000Z',
    relationship_type: 'indicates',
    source_ref: red.id,
    target_ref: malware.id,
  };
  await publish('indiana', [rel]);
  expect((await seen('indiana')).map((o) => o.id)).toContain(rel.id);
  expect((await seen('illinois')).map((o) => o.id)).not.toContain(rel.id);
});

test('widening an agreement shows the objects on the next request, dated when they became visible', async () => {
  const before = await request(t.app).get(`/hub/collections/${C}/objects/`).set('Authorization', `Bearer ${token('illinois')}`);
  const last = before.headers['x-taxii-date-added-last'] as string;
  await change([mou('ohio', { attribution: 'pseudonymise', audiences: [{ markings: ['amber'], to: ['group:states'] }, { markings: ['red'], to: ['member:indiana', 'member:illinois'] }] })]);
  const after = await request(t.app)
    .get(`/hub/collections/${C}/objects/?added_after=${encodeURIComponent(last)}`)
    .set('Authorization', `Bearer ${token('illinois')}`);
  const ids = (JSON.parse(after.text) as { objects: Array<{ id: string }> }).objects.map((o) => o.id);
  // The RED indicator, and the relationship that was waiting for it.
  expect(ids.sort()).toEqual(
    [red.id, (await seen('indiana')).find((o) => o.type === 'relationship')?.id as string].sort(),
  );
});

test('narrowing hides at once', async () => {
  await change([mou('isac', {}, { types: ['malware'], markingCeiling: 'green' })]);
  expect((await seen('isac')).map((o) => o.id)).toEqual([malware.id]);
});

test('DELETE removes the version from every view', async () => {
  const res = await request(t.app).delete(`/hub/collections/${C}/objects/${malware.id}/`).set('Authorization', `Bearer ${token('ohio')}`);
  expect(res.status).toBe(200);
  for (const m of MEMBERS) expect((await seen(m)).map((o) => o.id)).not.toContain(malware.id);
});

test("re-materialising keeps a pseudonymised identity's date_added (no re-delivery to added_after pollers)", async () => {
  const identity = { type: 'identity', spec_version: '2.1', id: IDENTITY.ohio, created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z', name: 'Ohio SOC', identity_class: 'organization' };
  await publish('ohio', [identity]);
  const pseudonym = (await seen('indiana')).find((o) => o.type === 'identity');
  expect(pseudonym?.id).toMatch(/^identity--/);
  expect(pseudonym?.id).not.toBe(IDENTITY.ohio);
  const before = await request(t.app).get(`/hub/collections/${C}/objects/`).set('Authorization', `Bearer ${token('indiana')}`);
  const last = before.headers['x-taxii-date-added-last'] as string;
  // Any change to the provider's agreement re-materialises every reader's view.
  await change([mou('ohio', { attribution: 'pseudonymise', audiences: [{ markings: ['amber'], to: ['group:states'] }, { markings: ['red'], to: ['member:indiana'] }] })]);
  const after = await request(t.app)
    .get(`/hub/collections/${C}/objects/?added_after=${encodeURIComponent(last)}`)
    .set('Authorization', `Bearer ${token('indiana')}`);
  expect(after.status).toBe(200);
  expect((JSON.parse(after.text) as { objects?: Array<{ id: string }> }).objects ?? []).toEqual([]);
  expect((await seen('indiana')).filter((o) => o.type === 'identity').map((o) => o.id)).toEqual([pseudonym?.id]);
});

// Distribution over time: embargo releases, recovery of an interrupted
// distribution, personal feeds, AMBER+STRICT republishing, markings known after a restart.
import pino from 'pino';
import request from 'supertest';
import { v4 as uuidv4 } from 'uuid';
import { hashToken } from '../../src/access/secrets';
import { LiveDirectory } from '../../src/access/live-directory';
import type { DirectoryChange } from '../../src/directory/records';
import type { Store } from '../../src/store/store';
import { newTestStore } from '../helpers/test-store';
import { Distributor } from '../../src/sharing/distributor';
import { HubIdentities } from '../../src/sharing/hub-identities';
import { memberView } from '../helpers/member-views';
import { DEFAULT_PROVIDER_TERMS, DEFAULT_RECIPIENT_TERMS } from '../../src/directory/mou';
import { makeTestApp, TAXII, testConfigObject, type TestApp } from '../helpers/test-app';

const A = '60000000-0000-4000-8000-00000000000a';
const B = '60000000-0000-4000-8000-00000000000b';
const AMBER_STRICT = 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003';
const token = (m: string) => `${m}-token-0123456789`;
const IDS = { ohio: `identity--${uuidv4()}`, indiana: `identity--${uuidv4()}` };

async function world(given?: Store): Promise<TestApp> {
  const store = given ?? (await newTestStore());
  const cfg = testConfigObject({
    sharing: { feed_api_root: 'feeds', policy_change_wait_ms: 600_000 },
    api_roots: [
      { path: 'hub', title: 'Hub', collections: [{ id: A, title: 'A' }, { id: B, title: 'B' }] },
      { path: 'feeds', title: 'Feeds', collections: [] },
    ],
    users: [{ id: 'admin', admin: true, token_sha256: [hashToken(token('admin'))] }],
  });
  const t = await makeTestApp({ config: cfg, store });
  const changes: DirectoryChange[] = [];
  for (const m of ['ohio', 'indiana', 'illinois'] as const) {
    changes.push({ op: 'put', kind: 'member', record: { id: m, name: m, groups: [], status: 'active', ...(m in IDS ? { identityRef: IDS[m as keyof typeof IDS] } : {}) } });
    changes.push({ op: 'put', kind: 'credential', record: { id: `${m}-t`, memberId: m, kind: 'token', role: 'publisher', prefix: m, secretHash: hashToken(token(m)), createdAt: 0 } });
  }
  for (const c of [A, B]) changes.push({ op: 'put', kind: 'acl', record: { collectionId: c, grantee: 'everyone', read: true, write: true } });
  changes.push({ op: 'put', kind: 'mou', record: { memberId: 'illinois', provide: { ...DEFAULT_PROVIDER_TERMS, embargoHours: 2 }, receive: DEFAULT_RECIPIENT_TERMS } });
  await t.concord.admin.directory.applyChanges({ memberId: 'admin' }, 'test.world', {}, () => changes);
  return t;
}

const indicator = (extra: Record<string, unknown> = {}) => ({
  type: 'indicator',
  spec_version: '2.1',
  id: `indicator--${uuidv4()}`,
  created: '2026-01-01T00:00:00.000Z',
  modified: '2026-01-01T00:00:00.000Z',
  pattern: "[ipv4-addr:value = '203.0.113.9']",
  pattern_type: 'stix',
  valid_from: '2026-01-01T00:00:00Z',
  ...extra,
});

async function post(t: TestApp, as: string, collection: string, objects: unknown[]) {
  const res = await request(t.app).post(`/hub/collections/${collection}/objects/`).set('Authorization', `Bearer ${token(as)}`).set('Content-Type', TAXII).send(JSON.stringify({ objects }));
  expect(res.status).toBe(202);
  return JSON.parse(res.text) as { success_count: number; failure_count: number; failures?: Array<{ id: string; message: string }> };
}

async function ids(t: TestApp, as: string, url: string): Promise<string[]> {
  const res = await request(t.app).get(url).set('Authorization', `Bearer ${token(as)}`);
  expect(res.status).toBe(200);
  return ((JSON.parse(res.text) as { objects?: Array<{ id: string }> }).objects ?? []).map((o) => o.id);
}

describe('personal feeds', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await world();
  });
  afterAll(async () => t.close());

  test('each member lists only its own feed, read-only, in the feed root', async () => {
    const res = await request(t.app).get('/feeds/collections/').set('Authorization', `Bearer ${token('ohio')}`);
    expect(res.status).toBe(200);
    const cols = (JSON.parse(res.text) as { collections: Array<{ alias: string; can_read: boolean; can_write: boolean }> }).collections;
    expect(cols.map((c) => [c.alias, c.can_read, c.can_write])).toEqual([['feed-ohio', true, false]]);
    const post = await request(t.app).post('/feeds/collections/feed-ohio/objects/').set('Authorization', `Bearer ${token('ohio')}`).set('Content-Type', TAXII).send('{"objects":[]}');
    expect(post.status).toBe(403);
    expect((await request(t.app).get('/feeds/collections/feed-ohio/').set('Authorization', `Bearer ${token('indiana')}`)).status).toBe(404);
  });

  test('the feed gathers what the member may see from every collection, once per version', async () => {
    const one = indicator();
    const two = indicator();
    await post(t, 'ohio', A, [one]);
    await post(t, 'ohio', B, [two, one]);
    const feed = await ids(t, 'indiana', '/feeds/collections/feed-indiana/objects/');
    expect(feed.sort()).toEqual([one.id, two.id].sort());
  });
});

describe('embargo', () => {
  test('an embargoed object is released when due, dated at its release, so added_after pollers get it', async () => {
    const t = await world();
    try {
      const held = indicator();
      await post(t, 'illinois', A, [held]);
      expect(await ids(t, 'illinois', `/hub/collections/${A}/objects/`)).toEqual([held.id]);
      expect(await ids(t, 'ohio', `/hub/collections/${A}/objects/`)).toEqual([]);
      const polled = new Date().toISOString();
      // A distributor whose clock is three hours ahead releases it.
      const later = new Distributor(t.store, new LiveDirectory(t.store), new HubIdentities(Buffer.alloc(32)), pino({ level: 'silent' }), () => Date.now() + 3 * 3_600_000);
      expect(await later.releaseDue()).toBeGreaterThan(0);
      expect(await ids(t, 'ohio', `/hub/collections/${A}/objects/?added_after=${polled}`)).toEqual([held.id]);
      expect(await ids(t, 'indiana', `/feeds/collections/feed-indiana/objects/?added_after=${polled}`)).toEqual([held.id]);
    } finally {
      await t.close();
    }
  });
});

describe('recovery', () => {
  test('a distribution interrupted by a crash is finished at the next start', async () => {
    const store = await newTestStore();
    const t = await world(store);
    const lost = indicator();
    // What a crash between the base write and the distribution leaves behind.
    await store.addObjects(A, [{ id: lost.id, type: 'indicator', version: lost.modified, versionKey: undefined, specVersion: '2.1', json: JSON.stringify(lost), provider: 'ohio', pending: true }]);
    expect(await store.hasObject(await memberView(store, 'indiana', A), lost.id)).toBe(false);
    expect((await store.pendingVersions(10)).map((p) => p.id)).toEqual([lost.id]);
    await t.concord.sharing.distributor.recoverPending();
    expect(await store.hasObject(await memberView(store, 'indiana', A), lost.id)).toBe(true);
    expect(await store.pendingVersions(10)).toEqual([]);
    await t.close();
  });
});

describe('AMBER+STRICT', () => {
  test('another organisation’s AMBER+STRICT object may not be republished to a shared collection; its author may', async () => {
    const t = await world();
    try {
      const strict = indicator({ created_by_ref: IDS.ohio, object_marking_refs: [AMBER_STRICT] });
      expect((await post(t, 'ohio', A, [strict])).success_count).toBe(1);
      const republished = await post(t, 'indiana', B, [strict]);
      expect(republished.success_count).toBe(0);
      expect(republished.failures?.[0]?.message).toMatch(/AMBER\+STRICT intelligence of another organisation .* may not be republished/);
      expect(await ids(t, 'illinois', `/hub/collections/${B}/objects/`)).toEqual([]);
    } finally {
      await t.close();
    }
  });
});

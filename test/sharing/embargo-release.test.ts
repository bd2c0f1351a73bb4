// Embargo until released: a provider whose MOU says `embargo_until_released`
// publishes; the others see nothing of it (objects, manifest, feed) until an admin
// releases it through the API; then they see it dated at the release, so an `added_after`
// poll from before the release picks it up. The provider always sees it.
import request from 'supertest';
import { v4 as uuidv4 } from 'uuid';
import { hashToken } from '../../src/access/secrets';
import type { DirectoryChange } from '../../src/directory/records';
import { DEFAULT_RECIPIENT_TERMS } from '../../src/directory/mou';
import { mouFromJson } from '../../src/admin/directory-json';
import { makeTestApp, TAXII, testConfigObject, type TestApp } from '../helpers/test-app';

const A = '70000000-0000-4000-8000-00000000000a';
const token = (m: string) => `${m}-token-0123456789`;
const bearer = (m: string): [string, string] => ['Authorization', `Bearer ${token(m)}`];

async function world(): Promise<TestApp> {
  const cfg = testConfigObject({
    sharing: { feed_api_root: 'feeds', policy_change_wait_ms: 600_000 },
    api_roots: [
      { path: 'hub', title: 'Hub', collections: [{ id: A, title: 'A' }] },
      { path: 'feeds', title: 'Feeds', collections: [] },
    ],
    users: [{ id: 'admin', admin: true, token_sha256: [hashToken(token('admin'))] }],
  });
  const t = await makeTestApp({ config: cfg });
  const changes: DirectoryChange[] = [];
  for (const m of ['ohio', 'indiana', 'illinois']) {
    changes.push({ op: 'put', kind: 'member', record: { id: m, name: m, groups: [], status: 'active' } });
    changes.push({ op: 'put', kind: 'credential', record: { id: `${m}-t`, memberId: m, kind: 'token', role: 'publisher', prefix: m, secretHash: hashToken(token(m)), createdAt: 0 } });
  }
  changes.push({ op: 'put', kind: 'acl', record: { collectionId: A, grantee: 'everyone', read: true, write: true } });
  const held = mouFromJson({ member: 'illinois', provide: { embargo_until_released: true } });
  expect(held.provide.embargoUntilReleased).toBe(true);
  changes.push({ op: 'put', kind: 'mou', record: { ...held, receive: DEFAULT_RECIPIENT_TERMS } });
  await t.concord.admin.directory.applyChanges({ memberId: 'admin' }, 'test.world', {}, () => changes);
  return t;
}

const indicator = () => ({
  type: 'indicator',
  spec_version: '2.1',
  id: `indicator--${uuidv4()}`,
  created: '2026-01-01T00:00:00.000Z',
  modified: '2026-01-01T00:00:00.000Z',
  pattern: "[ipv4-addr:value = '203.0.113.9']",
  pattern_type: 'stix',
  valid_from: '2026-01-01T00:00:00Z',
});

async function post(t: TestApp, as: string, objects: unknown[]): Promise<void> {
  const res = await request(t.app).post(`/hub/collections/${A}/objects/`).set(...bearer(as)).set('Content-Type', TAXII).send(JSON.stringify({ objects }));
  expect(res.status).toBe(202);
  expect((JSON.parse(res.text) as { success_count: number }).success_count).toBe(objects.length);
}

async function get(t: TestApp, as: string, url: string): Promise<{ ids: string[]; last: string | undefined; body: Record<string, unknown> }> {
  const res = await request(t.app).get(url).set(...bearer(as));
  expect(res.status).toBe(200);
  const body = JSON.parse(res.text) as { objects?: Array<{ id: string }> };
  const last = res.headers['x-taxii-date-added-last'] as string | undefined;
  return { ids: (body.objects ?? []).map((o) => o.id), last, body };
}

const objectsOf = `/hub/collections/${A}/objects/`;
const manifestOf = `/hub/collections/${A}/manifest/`;
const feedOf = (m: string) => `/feeds/collections/feed-${m}/objects/`;

async function release(t: TestApp, member: string, ids: unknown): Promise<request.Response> {
  return request(t.app)
    .post(`/admin/v1/members/${member}/releases`)
    .set(...bearer('admin'))
    .set('Content-Type', 'application/json')
    .send(JSON.stringify({ object_ids: ids }));
}

describe('embargo until released', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await world();
  });
  afterAll(async () => t.close());

  test('others see nothing until the admin releases; then they see it dated after their last poll', async () => {
    const seen = indicator();
    await post(t, 'ohio', [seen]);
    // Indiana's last poll, before the held object is published.
    const before = await get(t, 'indiana', feedOf('indiana'));
    expect(before.ids).toEqual([seen.id]);
    const lastFeed = before.last as string;
    const lastObjects = (await get(t, 'indiana', objectsOf)).last as string;
    expect(lastFeed).toBeDefined();

    const held = indicator();
    await post(t, 'illinois', [held]);
    // The provider sees it at once.
    expect((await get(t, 'illinois', objectsOf)).ids).toContain(held.id);
    expect((await get(t, 'illinois', manifestOf)).ids).toContain(held.id);
    // The others see nothing of it anywhere, and no date header moves.
    for (const m of ['indiana', 'ohio']) {
      const objects = await get(t, m, objectsOf);
      expect(objects.ids).not.toContain(held.id);
      expect((await get(t, m, manifestOf)).ids).not.toContain(held.id);
      expect((await get(t, m, feedOf(m))).ids).not.toContain(held.id);
      expect(JSON.stringify(objects.body)).not.toContain(held.id);
      expect((await get(t, m, `${objectsOf}?added_after=${lastObjects}`)).ids).toEqual([]);
    }
    expect((await get(t, 'indiana', feedOf('indiana'))).last).toBe(lastFeed);
    expect((await request(t.app).get(`${objectsOf}${held.id}/`).set(...bearer('indiana'))).status).toBe(404);

    const res = await release(t, 'illinois', [held.id]);
    expect(res.status).toBe(200);
    // One delivery per other member that reads the collection (ohio, indiana, …); illinois had it from the start.
    const delivered = (JSON.parse(res.text) as { released: number }).released;
    expect(delivered).toBeGreaterThanOrEqual(2);

    for (const m of ['indiana', 'ohio']) {
      expect((await get(t, m, objectsOf)).ids).toContain(held.id);
      expect((await get(t, m, manifestOf)).ids).toContain(held.id);
    }
    // An added_after poll from the last poll gets exactly the released object, dated later.
    const polled = await get(t, 'indiana', `${feedOf('indiana')}?added_after=${lastFeed}`);
    expect(polled.ids).toEqual([held.id]);
    expect(Date.parse(polled.last as string)).toBeGreaterThan(Date.parse(lastFeed));
    expect((await get(t, 'indiana', `${objectsOf}?added_after=${lastObjects}`)).ids).toEqual([held.id]);
    const manifest = (await get(t, 'indiana', `${manifestOf}?added_after=${lastObjects}`)).body as { objects: Array<{ id: string; date_added: string }> };
    expect(manifest.objects.map((o) => o.id)).toEqual([held.id]);
    expect(Date.parse(manifest.objects[0]?.date_added as string)).toBeGreaterThan(Date.parse(lastObjects));
    // The provider still sees it, once.
    expect((await get(t, 'illinois', objectsOf)).ids.filter((id) => id === held.id)).toHaveLength(1);

    // Releasing again delivers nothing more.
    expect(JSON.parse((await release(t, 'illinois', [held.id])).text)).toEqual({ released: 0 });
    expect((await get(t, 'indiana', feedOf('indiana'))).ids.filter((id) => id === held.id)).toHaveLength(1);
  });

  test('the release is audited as embargo.release with the ids', async () => {
    const held = indicator();
    await post(t, 'illinois', [held]);
    const released = await release(t, 'illinois', [held.id]);
    expect(released.status).toBe(200);
    const n = (JSON.parse(released.text) as { released: number }).released;
    expect(n).toBeGreaterThanOrEqual(2);
    const res = await request(t.app).get('/admin/v1/audit?kind=admin').set(...bearer('admin'));
    const entries = (JSON.parse(res.text) as { entries: Array<{ action: string; details?: Record<string, unknown> }> }).entries;
    const last = entries.filter((e) => e.action === 'embargo.release').at(-1);
    expect(last?.details).toMatchObject({ member: 'illinois', object_ids: [held.id], released: n });
  });

  test('releasing an unknown id is harmless; later objects stay held; bad bodies and members are refused', async () => {
    const next = indicator();
    await post(t, 'illinois', [next]);
    const unknown = `indicator--${uuidv4()}`;
    const res = await release(t, 'illinois', [unknown]);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ released: 0 });
    expect((await get(t, 'indiana', objectsOf)).ids).not.toContain(next.id);
    expect((await get(t, 'illinois', objectsOf)).ids).toContain(next.id);

    expect((await release(t, 'illinois', [])).status).toBe(400);
    expect((await release(t, 'illinois', ['not-an-id'])).status).toBe(400);
    expect((await release(t, 'illinois', Array.from({ length: 1001 }, () => `indicator--${uuidv4()}`))).status).toBe(400);
    expect((await release(t, 'nobody', [unknown])).status).toBe(404);
    const asMember = await request(t.app)
      .post('/admin/v1/members/illinois/releases')
      .set(...bearer('illinois'))
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ object_ids: [next.id] }));
    expect(asMember.status).toBe(403);
    expect((await get(t, 'indiana', objectsOf)).ids).not.toContain(next.id);
  });

  test('a policy change that rebuilds the views keeps released objects visible and held ones held', async () => {
    const released = indicator();
    const held = indicator();
    await post(t, 'illinois', [released, held]);
    expect((await release(t, 'illinois', [released.id])).status).toBe(200);
    // Any MOU change re-materialises every member's views.
    await request(t.app)
      .put('/admin/v1/members/ohio/mou')
      .set(...bearer('admin'))
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ provide: { strip: ['x_nothing'] } }))
      .expect(200);
    const ids = (await get(t, 'indiana', feedOf('indiana'))).ids;
    expect(ids).toContain(released.id);
    expect(ids).not.toContain(held.id);
    expect((await get(t, 'indiana', objectsOf)).ids).not.toContain(held.id);
  });
});

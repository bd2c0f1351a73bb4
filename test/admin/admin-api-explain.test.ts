// GET /admin/v1/explain and /admin/v1/simulate: admin only, strict parameters,
// 404 for an unknown member or an object no collection holds, and the explanation itself.
import request from 'supertest';
import { v4 as uuidv4 } from 'uuid';
import { ADMIN_BASE } from '../../src/http/admin-router';
import { auth, makeTestApp, objectsUrl, SHARED, TAXII, type TestApp } from '../helpers/test-app';

let t: TestApp;
const object = {
  type: 'indicator',
  spec_version: '2.1',
  id: `indicator--${uuidv4()}`,
  created: '2026-01-01T00:00:00.000Z',
  modified: '2026-01-01T00:00:00.000Z',
  pattern: "[ipv4-addr:value = '198.51.100.9']",
  pattern_type: 'stix',
  valid_from: '2026-01-01T00:00:00Z',
};

beforeAll(async () => {
  t = await makeTestApp();
  const res = await request(t.app).post(objectsUrl(SHARED)).set(...auth('writer')).set('Content-Type', TAXII).send(JSON.stringify({ objects: [object] }));
  expect(res.status).toBe(202);
});
afterAll(() => t.close());

const explainUrl = (q: string) => `${ADMIN_BASE}/explain${q}`;
const problems = (res: request.Response) => (JSON.parse(res.text) as { problems?: string[] }).problems ?? [];

test('a member credential gets 403, no credential 401', async () => {
  for (const path of [explainUrl(`?member=member&object=${object.id}`), `${ADMIN_BASE}/simulate?member=member`]) {
    expect((await request(t.app).get(path)).status).toBe(401);
    const res = await request(t.app).get(path).set(...auth('member'));
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toBe('application/problem+json');
  }
});

test('explain: 400 on missing, malformed or unknown parameters', async () => {
  const cases: Array<[string, RegExp]> = [
    ['', /'member' is required/],
    [`?member=member`, /'object' is required/],
    [`?object=${object.id}`, /'member' is required/],
    [`?member=Not%20A%20Slug&object=${object.id}`, /'member' must be a member id/],
    [`?member=member&object=indicator--nope`, /'object' must be a STIX identifier/],
    [`?member=member&object=${object.id}&limit=3`, /unknown parameter 'limit'/],
    [`?member=member&member=reader&object=${object.id}`, /given 2 times/],
  ];
  for (const [q, expected] of cases) {
    const res = await request(t.app).get(explainUrl(q)).set(...auth('admin'));
    expect([q, res.status]).toEqual([q, 400]);
    expect(problems(res).join('\n')).toMatch(expected);
  }
});

test('explain: 404 for an unknown member or an object nowhere', async () => {
  let res = await request(t.app).get(explainUrl(`?member=nobody&object=${object.id}`)).set(...auth('admin'));
  expect(res.status).toBe(404);
  expect(JSON.parse(res.text).detail).toMatch(/no member 'nobody'/);
  res = await request(t.app).get(explainUrl(`?member=member&object=indicator--${uuidv4()}`)).set(...auth('admin'));
  expect(res.status).toBe(404);
  expect(JSON.parse(res.text).detail).toMatch(/No collection holds/);
});

test('explain: the gate and the decision, per collection and version', async () => {
  const res = await request(t.app).get(explainUrl(`?member=member&object=${object.id}`)).set(...auth('admin'));
  expect(res.status).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  const body = JSON.parse(res.text);
  expect(body).toMatchObject({ member: 'member', object: object.id, visible: true, consistent: true });
  expect(body.collections).toHaveLength(1);
  expect(body.collections[0]).toMatchObject({ collectionId: SHARED, access: { read: true } });
  expect(body.collections[0].versions[0]).toMatchObject({ status: 'visible', latest: true, inView: true, decision: { allow: true, marking: 'green' } });
  const outsider = JSON.parse((await request(t.app).get(explainUrl(`?member=outsider&object=${object.id}`)).set(...auth('admin'))).text);
  expect(outsider.visible).toBe(false);
  expect(outsider.collections[0].access.reasons[0].rule).toBe('no-read-access');
});

test('simulate: 400, 404, and the per-collection counts', async () => {
  expect((await request(t.app).get(`${ADMIN_BASE}/simulate`).set(...auth('admin'))).status).toBe(400);
  expect((await request(t.app).get(`${ADMIN_BASE}/simulate?member=member&x=1`).set(...auth('admin'))).status).toBe(400);
  expect((await request(t.app).get(`${ADMIN_BASE}/simulate?member=nobody`).set(...auth('admin'))).status).toBe(404);
  const res = await request(t.app).get(`${ADMIN_BASE}/simulate?member=member`).set(...auth('admin'));
  expect(res.status).toBe(200);
  const body = JSON.parse(res.text);
  expect(body).toMatchObject({ member: 'member', consistent: true });
  const shared = body.collections.find((c: { collectionId: string }) => c.collectionId === SHARED);
  expect(shared).toMatchObject({ total: 1, visible: 1, hidden: 0, inView: 1 });
  const other = JSON.parse((await request(t.app).get(`${ADMIN_BASE}/simulate?member=outsider`).set(...auth('admin'))).text);
  expect(other.collections.find((c: { collectionId: string }) => c.collectionId === SHARED)).toMatchObject({ total: 1, visible: 0, hiddenBy: { 'no-read-access': 1 } });
});

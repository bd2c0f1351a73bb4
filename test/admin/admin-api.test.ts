// The admin API through HTTP over the real store: CRUD of every resource,
// validation, conflicts, and the end-to-end life of a member's credentials on TAXII.
import request from 'supertest';
import { makeTestApp, auth, SHARED, ROOT, TAXII, type TestApp } from '../helpers/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

const A = '/admin/v1';
const PROBLEM = 'application/problem+json';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const get = (path: string) => request(t.app).get(A + path).set(...auth('admin'));
const del = (path: string) => request(t.app).delete(A + path).set(...auth('admin'));
const post = (path: string, body?: unknown) => {
  const r = request(t.app).post(A + path).set(...auth('admin'));
  return body === undefined ? r : r.send(body as object);
};
const patch = (path: string, body: unknown) => request(t.app).patch(A + path).set(...auth('admin')).send(body as object);
const put = (path: string, body: unknown) => request(t.app).put(A + path).set(...auth('admin')).send(body as object);

function expectProblem(res: request.Response, status: number): { detail: string; problems?: string[] } {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe(PROBLEM);
  const body = JSON.parse(res.text) as { type: string; title: string; status: number; detail: string; problems?: string[] };
  expect(body.type).toBe('about:blank');
  expect(body.status).toBe(status);
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  return body;
}

const taxiiAs = (token: string) => request(t.app).get('/taxii2/').set('Authorization', `Bearer ${token}`).set('Accept', TAXII);

describe('members', () => {
  test('create → 201 with Location, then get, list, update, delete', async () => {
    const created = await post('/members', { id: 'ohio', name: 'Ohio ISAC', contact: 'soc@ohio.example' });
    expect(created.status).toBe(201);
    expect(created.headers['content-type']).toMatch(/^application\/json/);
    expect(created.headers.location).toBe(`${A}/members/ohio`);
    expect(created.body).toEqual({ id: 'ohio', name: 'Ohio ISAC', contact: 'soc@ohio.example', groups: [], status: 'active', managed: false });

    expect((await get('/members/ohio')).body).toEqual(created.body);
    const list = await get('/members');
    expect(list.status).toBe(200);
    expect((list.body as { members: Array<{ id: string }> }).members.map((m) => m.id)).toContain('ohio');

    const updated = await patch('/members/ohio', { name: 'Ohio Cyber' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: 'ohio', name: 'Ohio Cyber', contact: 'soc@ohio.example' });

    expect((await del('/members/ohio')).status).toBe(204);
    expectProblem(await get('/members/ohio'), 404);
    expectProblem(await del('/members/ohio'), 404);
  });

  test('a duplicate id → 409', async () => {
    expect((await post('/members', { id: 'dup', name: 'Dup' })).status).toBe(201);
    expectProblem(await post('/members', { id: 'dup', name: 'Dup again' }), 409);
  });

  test('schema violations → 400 listing every problem', async () => {
    const body = expectProblem(await post('/members', { id: 'Not A Slug', status: 'gone', extra: 1 }), 400);
    expect(body.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/name/),
        expect.stringMatching(/\/id/),
        expect.stringMatching(/\/status/),
        expect.stringMatching(/unknown property 'extra'/),
      ]),
    );
  });

  test('PATCH refuses the id, unknown fields and an empty body', async () => {
    await post('/members', { id: 'patchy', name: 'Patchy' });
    expectProblem(await patch('/members/patchy', { id: 'other' }), 400);
    expectProblem(await patch('/members/patchy', { colour: 'red' }), 400);
    expectProblem(await patch('/members/patchy', {}), 400);
    expectProblem(await patch('/members/nobody', { name: 'x' }), 404);
  });

  test('a group that does not exist → 400 from the integrity check', async () => {
    const body = expectProblem(await post('/members', { id: 'lost', name: 'Lost', groups: ['no-such-group'] }), 400);
    expect(body.problems?.length).toBeGreaterThan(0);
  });

  test('bodies: not JSON → 400; not an object → 400; not application/json → 415; __proto__/constructor keys → 400; too large → 413', async () => {
    const raw = (text: string, type = 'application/json') =>
      request(t.app).post(`${A}/members`).set(...auth('admin')).set('Content-Type', type).send(text);
    expectProblem(await raw('{"id": "x",'), 400);
    expectProblem(await raw('[1,2]'), 400);
    expectProblem(await raw('{"id":"x","name":"X"}', 'text/plain'), 415);
    const proto = expectProblem(await raw('{"id":"x","name":"X","__proto__":{"admin":true}}'), 400);
    expect(proto.problems).toEqual([expect.stringMatching(/__proto__/)]);
    expectProblem(await raw('{"id":"x","name":"X","groups":[],"nested":{"constructor":{"prototype":{}}}}'), 400);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expectProblem(await raw(`{"id":"x","name":"${'a'.repeat(1024 * 1024 + 10)}"}`), 413);
    expectProblem(await raw('['.repeat(10_000) + ']'.repeat(10_000)), 400);
    expectProblem(await get('/members/x'), 404);
  });

  test('unknown query parameters → 400', async () => {
    const body = expectProblem(await get('/members?sort=name'), 400);
    expect(body.problems).toEqual([expect.stringMatching(/sort/)]);
  });

  test('deleting a member that owns a collection → 409', async () => {
    await post('/members', { id: 'owner', name: 'Owner' });
    const c = await post('/collections', { api_root: ROOT, title: 'Outbox', owner: 'owner' });
    expect(c.status).toBe(201);
    expectProblem(await del('/members/owner'), 409);
    expect((await del(`/collections/${(c.body as { id: string }).id}`)).status).toBe(204);
    expect((await del('/members/owner')).status).toBe(204);
  });
});

describe('groups', () => {
  test('create, get, list, update, delete (removing it from its members)', async () => {
    const created = await post('/groups', { id: 'energy', name: 'Energy sector' });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`${A}/groups/energy`);
    expect(created.body).toEqual({ id: 'energy', name: 'Energy sector', managed: false });
    expectProblem(await post('/groups', { id: 'energy', name: 'Again' }), 409);
    expect((await get('/groups/energy')).body).toEqual(created.body);
    expect((await get('/groups')).body.groups).toEqual(expect.arrayContaining([created.body]));
    expect((await patch('/groups/energy', { description: 'Utilities' })).body).toMatchObject({ description: 'Utilities' });

    await post('/members', { id: 'grid', name: 'Grid', groups: ['energy'] });
    expect((await get('/members/grid')).body.groups).toEqual(['energy']);
    expect((await del('/groups/energy')).status).toBe(204);
    expect((await get('/members/grid')).body.groups).toEqual([]);
    expectProblem(await get('/groups/energy'), 404);
  });
});

describe('API roots and collections', () => {
  test('API root CRUD; deleting one with collections → 409', async () => {
    const created = await post('/api-roots', { path: 'trusted', title: 'Trusted' });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`${A}/api-roots/trusted`);
    expect(created.body).toMatchObject({ path: 'trusted', title: 'Trusted', managed: false });
    expect(typeof created.body.max_content_length).toBe('number');
    expectProblem(await post('/api-roots', { path: 'trusted', title: 'Again' }), 409);
    expectProblem(await post('/api-roots', { path: '/bad path', title: 'X' }), 400);
    expect((await get('/api-roots')).body.api_roots.map((r: { path: string }) => r.path)).toEqual(expect.arrayContaining([ROOT, 'trusted']));
    expect((await patch('/api-roots/trusted', { max_content_length: 2048 })).body).toMatchObject({ max_content_length: 2048, title: 'Trusted' });

    const c = await post('/collections', { api_root: 'trusted', title: 'Trusted feed' });
    expect(c.status).toBe(201);
    expectProblem(await del('/api-roots/trusted'), 409);
    expect((await del(`/collections/${(c.body as { id: string }).id}`)).status).toBe(204);
    expect((await del('/api-roots/trusted')).status).toBe(204);
    expectProblem(await get('/api-roots/trusted'), 404);
  });

  test('collection CRUD: a generated UUIDv4 id, Location, ?api_root= filter', async () => {
    const created = await post('/collections', { api_root: ROOT, title: 'Indicators', alias: 'indicators' });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    expect(id).toMatch(UUID_V4);
    expect(created.headers.location).toBe(`${A}/collections/${id}`);
    expect(created.body).toMatchObject({ api_root: ROOT, title: 'Indicators', validation: 'standard', allow_custom: true, managed: false });

    const given = '55555555-5555-4555-8555-555555555555';
    expect((await post('/collections', { id: given, api_root: ROOT, title: 'Given' })).body.id).toBe(given);
    expectProblem(await post('/collections', { id: given, api_root: ROOT, title: 'Given again' }), 409);

    const inRoot = (await get(`/collections?api_root=${ROOT}`)).body.collections.map((c: { id: string }) => c.id);
    expect(inRoot).toEqual(expect.arrayContaining([id, given, SHARED]));
    expect((await get('/collections?api_root=isac')).body.collections.map((c: { id: string }) => c.id)).not.toContain(id);
    expectProblem(await get('/collections?api_root=nowhere'), 404);

    expect((await patch(`/collections/${id}`, { validation: 'strict', title: 'IOCs' })).body).toMatchObject({ validation: 'strict', title: 'IOCs' });
    expectProblem(await patch(`/collections/${id}`, { api_root: 'isac' }), 400);
    expect((await del(`/collections/${id}`)).status).toBe(204);
    expectProblem(await get(`/collections/${id}`), 404);
  });

  test('collection bodies: api_root and title are required; unknown root → 400', async () => {
    const body = expectProblem(await post('/collections', { id: 'not-a-uuid' }), 400);
    expect(body.problems).toEqual(expect.arrayContaining([expect.stringMatching(/api_root/), expect.stringMatching(/title/), expect.stringMatching(/\/id/)]));
    expectProblem(await post('/collections', { api_root: 'nowhere', title: 'X' }), 400);
  });

  test('ACL: put, get, replace, delete; bad grantee → 400; unknown collection → 404', async () => {
    const id = (await post('/collections', { api_root: ROOT, title: 'ACL test' })).body.id as string;
    await post('/members', { id: 'acl-member', name: 'ACL member' });
    const granted = await put(`/collections/${id}/acl/member:acl-member`, { read: true, write: true });
    expect(granted.status).toBe(200);
    expect(granted.body).toEqual({ collection_id: id, grantee: 'member:acl-member', read: true, write: true, managed: false });
    expect((await put(`/collections/${id}/acl/everyone`, {})).body).toMatchObject({ grantee: 'everyone', read: true, write: false });
    expect((await put(`/collections/${id}/acl/member:acl-member`, { write: false })).body).toMatchObject({ read: true, write: false });
    expect((await get(`/collections/${id}/acl`)).body.acl.map((a: { grantee: string }) => a.grantee).sort()).toEqual(['everyone', 'member:acl-member']);

    expectProblem(await put(`/collections/${id}/acl/nobody`, { read: true }), 400);
    expectProblem(await put(`/collections/${id}/acl/everyone`, { read: 'yes' }), 400);
    expectProblem(await put(`/collections/${id}/acl/member:no-such-member`, { read: true }), 400);
    expectProblem(await get('/collections/66666666-6666-4666-8666-666666666666/acl'), 404);

    expect((await del(`/collections/${id}/acl/everyone`)).status).toBe(204);
    expectProblem(await del(`/collections/${id}/acl/everyone`), 404);
    expect((await get(`/collections/${id}/acl`)).body.acl).toHaveLength(1);
  });
});

describe('credentials, end to end on TAXII', () => {
  beforeAll(async () => {
    await post('/members', { id: 'e2e', name: 'End to end' });
  });

  test('a member created by the API gets a token and uses it; suspend → 403, resume → 200, revoke → 401', async () => {
    const issued = await post('/members/e2e/credentials', { kind: 'token', role: 'publisher', label: 'feed puller' });
    expect(issued.status).toBe(201);
    expect(issued.headers['cache-control']).toBe('no-store');
    const { token, id } = issued.body as { token: string; id: string };
    expect(typeof token).toBe('string');
    expect(issued.headers.location).toBe(`${A}/credentials/${id}`);
    expect(issued.body).toMatchObject({ member: 'e2e', kind: 'token', role: 'publisher', label: 'feed puller', prefix: token.slice(0, 16) });

    expect((await taxiiAs(token)).status).toBe(200);
    expectProblem(await request(t.app).get(`${A}/members`).set('Authorization', `Bearer ${token}`), 403);

    expect((await post('/members/e2e/suspend')).body.status).toBe('suspended');
    expect((await taxiiAs(token)).status).toBe(403);
    expect((await post('/members/e2e/resume')).body.status).toBe('active');
    expect((await taxiiAs(token)).status).toBe(200);

    const revoked = await del(`/credentials/${id}`);
    expect(revoked.status).toBe(200);
    expect(typeof revoked.body.revoked_at).toBe('string');
    expect((await taxiiAs(token)).status).toBe(401);
    expect((await get(`/credentials/${id}`)).body.revoked_at).toBe(revoked.body.revoked_at);
  });

  test('an expired credential → 401', async () => {
    const issued = await post('/members/e2e/credentials', { kind: 'token', role: 'reader', expires_at: '2001-01-01T00:00:00Z' });
    expect(issued.status).toBe(201);
    expect(issued.body.expires_at).toBe('2001-01-01T00:00:00.000Z');
    expect((await taxiiAs(issued.body.token as string)).status).toBe(401);
    const later = await post('/members/e2e/credentials', { kind: 'token', role: 'reader', expires_at: '2999-01-01T00:00:00+02:00' });
    expect((await taxiiAs(later.body.token as string)).status).toBe(200);
  });

  test('a password credential (generated password) works with HTTP Basic; a given one too', async () => {
    const issued = await post('/members/e2e/credentials', { kind: 'password', role: 'reader', username: 'e2e-basic' });
    expect(issued.status).toBe(201);
    const password = issued.body.password as string;
    expect(password.length).toBeGreaterThanOrEqual(12);
    expect(issued.body).toMatchObject({ kind: 'password', username: 'e2e-basic', prefix: 'e2e-basic' });
    expect((await request(t.app).get('/taxii2/').auth('e2e-basic', password).set('Accept', TAXII)).status).toBe(200);

    const given = await post('/members/e2e/credentials', { kind: 'password', role: 'reader', username: 'e2e-given', password: 'correct horse battery' });
    expect(given.body.password).toBe('correct horse battery');
    expect((await request(t.app).get('/taxii2/').auth('e2e-given', 'correct horse battery').set('Accept', TAXII)).status).toBe(200);
  });

  test('credential validation: bad kind/role/expires_at, username on a token, short password, missing username → 400; unknown member → 404', async () => {
    const bad = expectProblem(await post('/members/e2e/credentials', { kind: 'cert', role: 'root', expires_at: 'tomorrow' }), 400);
    expect(bad.problems).toEqual(expect.arrayContaining([expect.stringMatching(/kind/), expect.stringMatching(/role/), expect.stringMatching(/expires_at/)]));
    expectProblem(await post('/members/e2e/credentials', { kind: 'token', role: 'reader', username: 'x' }), 400);
    expectProblem(await post('/members/e2e/credentials', { kind: 'password', role: 'reader' }), 400);
    expectProblem(await post('/members/e2e/credentials', { kind: 'password', role: 'reader', username: 'shorty', password: 'short' }), 400);
    expectProblem(await post('/members/e2e/credentials', { kind: 'token', role: 'reader', expires_at: '2025-02-30T00:00:00Z' }), 400);
    expectProblem(await post('/members/nobody/credentials', { kind: 'token', role: 'reader' }), 404);
    expectProblem(await get('/members/nobody/credentials'), 404);
    expectProblem(await get('/credentials/77777777-7777-4777-8777-777777777777'), 404);
    expectProblem(await del('/credentials/77777777-7777-4777-8777-777777777777'), 404);
  });

  test('a duplicate live username → 409', async () => {
    await post('/members/e2e/credentials', { kind: 'password', role: 'reader', username: 'e2e-twice' });
    const again = await post('/members/e2e/credentials', { kind: 'password', role: 'reader', username: 'e2e-twice' });
    expectProblem(again, 409);
  });

  test('secrets appear once: in the create response, never in lists, single gets or the audit log', async () => {
    const token = (await post('/members/e2e/credentials', { kind: 'token', role: 'reader' })).body as { token: string; id: string };
    const basic = (await post('/members/e2e/credentials', { kind: 'password', role: 'reader', username: 'e2e-secret' })).body as { password: string };
    const texts = [
      (await get('/members/e2e/credentials')).text,
      (await get('/credentials')).text,
      (await get('/credentials?member=e2e')).text,
      (await get(`/credentials/${token.id}`)).text,
      (await get('/audit?limit=1000')).text,
    ];
    for (const text of texts) {
      expect(text).not.toContain(token.token);
      expect(text).not.toContain(basic.password);
      expect(text).not.toMatch(/secret_?hash|scrypt/i);
    }
    const listed = JSON.parse(texts[2] as string) as { credentials: Array<Record<string, unknown>> };
    expect(listed.credentials.every((c) => c.member === 'e2e' && !('token' in c) && !('password' in c))).toBe(true);
    expectProblem(await get('/credentials?member=Bad%20Id'), 404);
  });
});

describe('audit', () => {
  test('admin changes are recorded with the admin, credential prefix, request id and source', async () => {
    const res = await request(t.app).post(`${A}/groups`).set(...auth('admin')).set('X-Request-Id', 'audit-test-request-1').send({ id: 'audited', name: 'Audited' });
    expect(res.status).toBe(201);
    const page = await get('/audit?action=group.create&kind=admin');
    const entry = (page.body.entries as Array<Record<string, unknown>>).find((e) => e.request_id === 'audit-test-request-1');
    expect(entry).toMatchObject({ kind: 'admin', action: 'group.create', member: 'admin', credential_prefix: 'admin-token-0', request_id: 'audit-test-request-1' });
    expect(typeof entry?.source).toBe('string');
    expect(entry?.details).toMatchObject({ group: 'audited' });
  });

  test('filters: kind, member, collection, action, since/until', async () => {
    const id = (await post('/collections', { api_root: ROOT, title: 'Audit filter' })).body.id as string;
    const forCollection = (await get(`/audit?collection=${id}`)).body.entries as Array<{ collection: string; action: string }>;
    expect(forCollection.map((e) => e.action)).toEqual(['collection.create']);
    const byAdmin = (await get('/audit?member=admin&limit=1000')).body.entries as Array<{ member: string }>;
    expect(byAdmin.length).toBeGreaterThan(0);
    expect(byAdmin.every((e) => e.member === 'admin')).toBe(true);
    expect((await get('/audit?member=nobody')).body).toEqual({ entries: [], more: false });
    expect((await get('/audit?kind=read&action=member.create')).body.entries).toEqual([]);
    expect((await get('/audit?until=2000-01-01T00:00:00Z')).body.entries).toEqual([]);
    const future = (await get('/audit?since=2999-01-01T00:00:00Z')).body;
    expect(future.entries).toEqual([]);
    const recent = (await get(`/audit?since=${new Date(Date.now() - 60_000).toISOString()}&until=${new Date(Date.now() + 60_000).toISOString()}&collection=${id}`)).body;
    expect(recent.entries).toHaveLength(1);
  });

  test('keyset paging by seq: limit, more, next/after cover every entry once', async () => {
    const all = (await get('/audit?limit=1000')).body as { entries: Array<{ seq: number }>; more: boolean };
    expect(all.more).toBe(false);
    expect(all.entries.length).toBeGreaterThan(5);
    const seen: number[] = [];
    let after: string | undefined;
    for (let i = 0; i < 1000; i++) {
      const page = (await get(`/audit?limit=2${after !== undefined ? `&after=${after}` : ''}`)).body as { entries: Array<{ seq: number }>; more: boolean; next?: string };
      seen.push(...page.entries.map((e) => e.seq));
      if (!page.more) {
        expect(page.next).toBeUndefined();
        break;
      }
      expect(page.entries).toHaveLength(2);
      after = page.next;
    }
    // The log may grow while it is paged (buffered read entries of earlier requests are
    // flushed within a second): every entry is seen once, in order, and new ones only at the end.
    expect(seen.slice(0, all.entries.length)).toEqual(all.entries.map((e) => e.seq));
    const last = all.entries[all.entries.length - 1]?.seq as number;
    expect(seen.slice(all.entries.length).every((s) => s > last)).toBe(true);
    expect(new Set(seen).size).toBe(seen.length);
    // Without a limit: the first 100 entries, the same ones in the same order (the log may
    // have grown since, so it can hold more than `seen` did, never other ones).
    const byDefault = ((await get('/audit')).body as { entries: Array<{ seq: number }> }).entries.map((e) => e.seq);
    const head = Math.min(100, seen.length);
    expect(byDefault.length).toBeLessThanOrEqual(100);
    expect(byDefault.slice(0, head)).toEqual(seen.slice(0, head));
  });

  test.each([
    'limit=0',
    'limit=1001',
    'limit=ten',
    'limit=1.5',
    'after=-1',
    'after=x',
    'kind=everything',
    'member=Not%20A%20Member',
    'since=yesterday',
    'until=2025-13-01T00:00:00Z',
    'since=2025-02-01T00:00:00Z&until=2025-01-01T00:00:00Z',
    'action=DROP%20TABLE',
    'limit=1&limit=2',
    'colour=red',
  ])('GET /audit?%s → 400', async (query) => {
    const body = expectProblem(await get(`/audit?${query}`), 400);
    expect(body.problems?.length).toBeGreaterThan(0);
  });
});

describe('routing', () => {
  test('an unknown route under /admin/v1 → 404 problem', async () => {
    const body = expectProblem(await get('/nothing-here'), 404);
    expect(body.detail).toMatch(/no admin API endpoint/);
    expectProblem(await get('/members/x/y/z'), 404);
  });

  test.each([
    ['put', '/members', 'GET, POST'],
    ['delete', '/audit', 'GET'],
    ['post', '/members/x', 'GET, PATCH, DELETE'],
    ['get', '/members/x/suspend', 'POST'],
    ['post', '/collections/x/acl/everyone', 'PUT, DELETE'],
    ['post', '/openapi.json', 'GET'],
  ] as const)('%s %s → 405 with Allow: %s', async (method, path, allow) => {
    const res = await request(t.app)[method](A + path).set(...auth('admin'));
    expectProblem(res, 405);
    expect(res.headers.allow).toBe(allow);
  });

  test('every admin response is Cache-Control: no-store; TAXII still works beside it', async () => {
    expect((await get('/members')).headers['cache-control']).toBe('no-store');
    expect((await request(t.app).get('/taxii2/').set(...auth('member')).set('Accept', TAXII)).status).toBe(200);
  });
});

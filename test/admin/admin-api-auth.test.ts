// Admin API authentication and authorisation, table-driven over every route it serves:
// no credential or a bad one → 401 with the challenge; any non-admin credential → 403.
import request from 'supertest';
import { makeTestApp, auth, PASSWORDS, type TestApp, type Who } from '../helpers/test-app';
import { CHALLENGE } from '../../src/http/authenticate';
import { ADMIN_BASE, adminRouteList } from '../../src/http/admin-router';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

const SAMPLE: Record<string, string> = { id: 'member', path: 'hub', grantee: 'everyone' };
const url = (path: string) => ADMIN_BASE + path.replace(/\{(\w+)\}/g, (_m, name: string) => SAMPLE[name] as string);
const routes = adminRouteList().filter((r) => !r.public);
const cases = routes.map((r) => [r.method.toUpperCase(), r.path, r.method] as const);

function send(method: (typeof routes)[number]['method'], path: string) {
  const r = request(t.app)[method](url(path));
  return method === 'post' || method === 'put' || method === 'patch' ? r.set('Content-Type', 'application/json').send('{}') : r;
}

function expectProblem(res: request.Response, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json');
  expect(JSON.parse(res.text)).toMatchObject({ type: 'about:blank', status });
}

test('the route list is not empty', () => {
  expect(routes.length).toBeGreaterThan(25);
});

describe.each(cases)('%s %s', (_m, path, method) => {
  test('no credentials → 401 with WWW-Authenticate', async () => {
    const res = await send(method, path);
    expectProblem(res, 401);
    expect(res.headers['www-authenticate']).toBe(CHALLENGE);
  });

  test('a bad token, a bad password, a malformed header → 401', async () => {
    for (const header of ['Bearer not-a-token-at-all', `Basic ${Buffer.from('member:wrong').toString('base64')}`, 'Bearer']) {
      const res = await send(method, path).set('Authorization', header);
      expectProblem(res, 401);
      expect(res.headers['www-authenticate']).toBe(CHALLENGE);
    }
  });

  test.each<Who>(['member', 'reader', 'writer', 'outsider'])('a %s credential → 403', async (who) => {
    expectProblem(await send(method, path).set(...auth(who)), 403);
  });

  test('a member password (HTTP Basic) → 403', async () => {
    expectProblem(await send(method, path).auth(PASSWORDS.member.username, PASSWORDS.member.password), 403);
  });
});

test('unknown routes need credentials too (no route discovery without them)', async () => {
  expectProblem(await request(t.app).get(`${ADMIN_BASE}/secret-route`), 401);
  expectProblem(await request(t.app).get(`${ADMIN_BASE}/secret-route`).set(...auth('member')), 403);
});

test('the OpenAPI document needs no credentials', async () => {
  const res = await request(t.app).get(`${ADMIN_BASE}/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
});

test('an admin token issued through the API can use the admin API', async () => {
  const issued = await request(t.app).post(`${ADMIN_BASE}/members/member/credentials`).set(...auth('admin')).send({ kind: 'token', role: 'admin' });
  expect(issued.status).toBe(201);
  const res = await request(t.app).get(`${ADMIN_BASE}/members`).set('Authorization', `Bearer ${issued.body.token as string}`);
  expect(res.status).toBe(200);
});

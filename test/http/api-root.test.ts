// TAXII 2.1 §4.2 Get API Root Information.
import request from 'supertest';
import { makeTestApp, auth, ROOT, OTHER_ROOT, TAXII, type TestApp, type Who } from '../helpers/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

function expectNotFound(res: request.Response): Record<string, unknown> {
  expect(res.status).toBe(404);
  expect(res.headers['content-type']).toBe(TAXII);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  expect(body.http_status).toBe('404');
  expect(typeof body.title).toBe('string');
  expect(body.error_id).toBe(res.headers['x-request-id']);
  return body;
}

describe('§4.2 API root resource', () => {
  test('§4.2 GET /hub/ → 200 api-root resource with title, description, versions and max_content_length', async () => {
    const res = await request(t.app).get(`/${ROOT}/`).set(...auth('member')).set('Accept', TAXII);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(TAXII);
    expect(JSON.parse(res.text)).toEqual({
      title: 'Hub',
      description: 'Shared collections',
      versions: ['application/taxii+json;version=2.1'],
      max_content_length: 1_000_000,
    });
  });

  test('§4.2 GET /hub (no trailing slash) → 200 the same resource', async () => {
    const a = await request(t.app).get(`/${ROOT}`).set(...auth('member'));
    const b = await request(t.app).get(`/${ROOT}/`).set(...auth('member'));
    expect(a.status).toBe(200);
    expect(a.text).toBe(b.text);
  });

  test('§4.2 GET /isac/ (no description, no max_content_length configured) → 200 with the default max_content_length', async () => {
    const res = await request(t.app).get(`/${OTHER_ROOT}/`).set(...auth('outsider'));
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as Record<string, unknown>;
    expect(body.title).toBe('Partner');
    expect(body).not.toHaveProperty('description');
    expect(body.versions).toEqual([TAXII]);
    expect(Number.isInteger(body.max_content_length)).toBe(true);
    expect(body.max_content_length as number).toBeGreaterThan(0);
  });

  test.each<Who>(['admin', 'member', 'reader', 'writer'])('§4.2 GET /hub/ as %s → 200', async (who) => {
    const res = await request(t.app).get(`/${ROOT}/`).set(...auth(who));
    expect(res.status).toBe(200);
    expect((JSON.parse(res.text) as Record<string, unknown>).versions).toEqual([TAXII]);
  });

  test('§4.2 GET /isac/ as admin → 200', async () => {
    expect((await request(t.app).get(`/${OTHER_ROOT}/`).set(...auth('admin'))).status).toBe(200);
  });
});

describe('§4.2 API root not found', () => {
  test('§4.2 GET /unknown/ → 404', async () => {
    expectNotFound(await request(t.app).get('/unknown/').set(...auth('admin')));
  });

  test('§4.2 GET /HUB/ (paths are case-sensitive) → 404', async () => {
    expectNotFound(await request(t.app).get(`/${ROOT.toUpperCase()}/`).set(...auth('admin')));
  });

  test('§4.2 GET /hub/ as outsider (no collection in that root) → 404, same body as an unknown root', async () => {
    const hidden = expectNotFound(await request(t.app).get(`/${ROOT}/`).set(...auth('outsider')));
    const unknown = expectNotFound(await request(t.app).get('/unknown/').set(...auth('outsider')));
    expect({ ...hidden, error_id: undefined }).toEqual({ ...unknown, error_id: undefined });
  });

  test.each<Who>(['member', 'reader', 'writer'])('§4.2 GET /isac/ as %s (cannot use it) → 404', async (who) => {
    expectNotFound(await request(t.app).get(`/${OTHER_ROOT}/`).set(...auth(who)));
  });

  test('§4.2 GET /hub/ without credentials → 401 (not 404)', async () => {
    const res = await request(t.app).get(`/${ROOT}/`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/Basic/);
  });

  test('§4.2 POST /hub/ → 405 with Allow: GET', async () => {
    const res = await request(t.app).post(`/${ROOT}/`).set(...auth('member')).set('Content-Type', TAXII).send('{}');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET');
    expect(res.headers['content-type']).toBe(TAXII);
  });
});

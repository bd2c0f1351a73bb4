// TAXII 2.1 §4.3 Get Status (and the status resource §4.3.1 that §5.5 Add Objects returns).
import request from 'supertest';
import { makeTestApp, auth, objectsUrl, ROOT, OTHER_ROOT, SHARED, TAXII, type TestApp, type Who } from '../helpers/test-app';
import { indicator, malware, ipv4, envelope } from '../helpers/stix-fixtures';

interface StatusDetail {
  id: string;
  version: string;
  message?: string;
}
interface StatusResource {
  id: string;
  status: string;
  request_timestamp?: string;
  total_count: number;
  success_count: number;
  successes?: StatusDetail[];
  failure_count: number;
  failures?: StatusDetail[];
  pending_count: number;
  pendings?: StatusDetail[];
}

const statusUrl = (id: string, root = ROOT) => `/${root}/status/${id}/`;

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

async function post(who: Who, objects: unknown[], collection = SHARED): Promise<StatusResource> {
  const res = await request(t.app)
    .post(objectsUrl(collection))
    .set(...auth(who))
    .set('Accept', TAXII)
    .set('Content-Type', TAXII)
    .send(JSON.stringify(envelope(objects)));
  expect(res.status).toBe(202);
  expect(res.headers['content-type']).toBe(TAXII);
  return JSON.parse(res.text) as StatusResource;
}

function expectCountsAddUp(s: StatusResource): void {
  expect(s.success_count + s.failure_count + s.pending_count).toBe(s.total_count);
  expect((s.successes ?? []).length).toBe(s.success_count);
  expect((s.failures ?? []).length).toBe(s.failure_count);
  expect((s.pendings ?? []).length).toBe(s.pending_count);
}

function expectNotFound(res: request.Response): void {
  expect(res.status).toBe(404);
  expect(res.headers['content-type']).toBe(TAXII);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  expect(body.http_status).toBe('404');
  expect(typeof body.title).toBe('string');
  expect(body.error_id).toBe(res.headers['x-request-id']);
}

describe('§4.3 status resource', () => {
  test('§4.3 POST an envelope then GET /hub/status/<id>/ → 200 the same status resource', async () => {
    const posted = await post('member', [indicator(), malware()]);
    const res = await request(t.app).get(statusUrl(posted.id)).set(...auth('member')).set('Accept', TAXII);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(TAXII);
    expect(JSON.parse(res.text)).toEqual(posted);
  });

  test('§4.3.1 status resource fields: id, status, counts as integers, complete when nothing is pending', async () => {
    const posted = await post('member', [indicator()]);
    expect(posted.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(['complete', 'pending']).toContain(posted.status);
    for (const n of [posted.total_count, posted.success_count, posted.failure_count, posted.pending_count]) {
      expect(Number.isInteger(n)).toBe(true);
    }
    expect(posted.status).toBe(posted.pending_count === 0 ? 'complete' : 'pending');
    // §2 timestamp: RFC 3339, UTC with Z, microsecond precision.
    if (posted.request_timestamp !== undefined) {
      expect(posted.request_timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
      expect(Number.isNaN(Date.parse(posted.request_timestamp))).toBe(false);
    }
  });

  test('§4.3.1 counts add up (success + failure + pending = total, list lengths equal counts) with mixed outcomes', async () => {
    const good = [indicator(), ipv4(), malware()];
    const bad = [{ type: 'indicator', spec_version: '2.1' }, { type: 'malware', id: 'not-an-id' }, 'not an object'];
    const posted = await post('member', [good[0], bad[0], good[1], bad[1], good[2], bad[2]]);
    expect(posted.total_count).toBe(6);
    expect(posted.success_count).toBe(3);
    expect(posted.failure_count).toBe(3);
    expectCountsAddUp(posted);
    expect((posted.successes ?? []).map((s) => s.id).sort()).toEqual(good.map((o) => o.id as string).sort());
    for (const f of posted.failures ?? []) {
      expect(typeof f.id).toBe('string');
      expect(typeof f.message).toBe('string');
    }

    const res = await request(t.app).get(statusUrl(posted.id)).set(...auth('member'));
    expect(res.status).toBe(200);
    const got = JSON.parse(res.text) as StatusResource;
    expect(got).toEqual(posted);
    expectCountsAddUp(got);
  });

  test('§4.3.1 empty successes/failures/pendings lists are omitted, not sent as [] (§2: empty lists are prohibited)', async () => {
    const allGood = await post('member', [indicator()]);
    expect(allGood.successes).toHaveLength(1);
    expect(allGood).not.toHaveProperty('failures');
    expect(allGood).not.toHaveProperty('pendings');
    expect(allGood.failure_count).toBe(0);
    expect(allGood.pending_count).toBe(0);

    const allBad = await post('member', [{ type: 'indicator' }]);
    expect(allBad).not.toHaveProperty('successes');
    expect(allBad.failures).toHaveLength(1);
    expect(allBad).not.toHaveProperty('pendings');

    const res = await request(t.app).get(statusUrl(allGood.id)).set(...auth('member'));
    const stored = JSON.parse(res.text) as Record<string, unknown>;
    for (const [key, value] of Object.entries(stored)) {
      if (Array.isArray(value)) expect([key, value.length > 0]).toEqual([key, true]);
    }
  });

  test('§4.3.1 re-posting the same objects → 202 successes (duplicates are not failures), counts add up', async () => {
    const objects = [indicator(), malware()];
    await post('member', objects);
    const again = await post('member', objects);
    expect(again.success_count).toBe(2);
    expect(again.failure_count).toBe(0);
    expectCountsAddUp(again);
  });

  test('§4.3.1 empty envelope → 202 total_count 0 and GET → 200 the same', async () => {
    const posted = await post('member', []);
    expect(posted.total_count).toBe(0);
    expectCountsAddUp(posted);
    const res = await request(t.app).get(statusUrl(posted.id)).set(...auth('member'));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual(posted);
  });

  test('§4.3 GET /hub/status/<id> (no trailing slash) → 200', async () => {
    const posted = await post('writer', [indicator()]);
    const res = await request(t.app).get(`/${ROOT}/status/${posted.id}`).set(...auth('writer'));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual(posted);
  });

  test('§4.3 the same principal through HTTP Basic → 200', async () => {
    const posted = await post('member', [indicator()]);
    const basic = Buffer.from('member:member:pass:with:colons').toString('base64');
    const res = await request(t.app).get(statusUrl(posted.id)).set('Authorization', `Basic ${basic}`);
    expect(res.status).toBe(200);
  });
});

describe('§4.3 status not found', () => {
  let statusId: string;
  beforeAll(async () => {
    statusId = (await post('member', [indicator()])).id;
  });

  test.each<Who>(['writer', 'reader', 'admin'])('§4.3 another principal (%s) GET the member\'s status → 404', async (who) => {
    expectNotFound(await request(t.app).get(statusUrl(statusId)).set(...auth(who)));
  });

  test('§4.3 outsider (cannot use the API root) GET the member\'s status → 404', async () => {
    expectNotFound(await request(t.app).get(statusUrl(statusId)).set(...auth('outsider')));
  });

  test('§4.3 unknown status id → 404', async () => {
    expectNotFound(await request(t.app).get(statusUrl('00000000-0000-4000-8000-000000000000')).set(...auth('member')));
  });

  test.each(['not-a-uuid', '1234', `${'a'.repeat(36)}x`, 'zzzzzzzz-zzzz-4zzz-8zzz-zzzzzzzzzzzz', "' OR 1=1 --"])(
    '§4.3 malformed status id %p → 404',
    async (id) => {
      expectNotFound(await request(t.app).get(statusUrl(encodeURIComponent(id))).set(...auth('member')));
    },
  );

  test('§4.3 status id in upper case → 404 or the same status (never another one)', async () => {
    const res = await request(t.app).get(statusUrl(statusId.toUpperCase())).set(...auth('member'));
    expect([200, 404]).toContain(res.status);
    if (res.status === 200) expect((JSON.parse(res.text) as StatusResource).id).toBe(statusId);
  });

  test('§4.3 a /hub/ status requested under /isac/ (admin, who can use both roots) → 404', async () => {
    const posted = await post('admin', [indicator()]);
    expect((await request(t.app).get(statusUrl(posted.id)).set(...auth('admin'))).status).toBe(200);
    expectNotFound(await request(t.app).get(statusUrl(posted.id, OTHER_ROOT)).set(...auth('admin')));
  });

  test('§4.3 a /hub/ status requested under an unknown API root → 404', async () => {
    expectNotFound(await request(t.app).get(statusUrl(statusId, 'unknown')).set(...auth('member')));
  });

  test('§4.3 without credentials → 401', async () => {
    const res = await request(t.app).get(statusUrl(statusId));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/Bearer/);
  });

  test('§4.3 DELETE /hub/status/<id>/ → 405 with Allow: GET', async () => {
    const res = await request(t.app).delete(statusUrl(statusId)).set(...auth('member'));
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET');
  });
});

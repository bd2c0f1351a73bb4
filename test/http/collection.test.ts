// TAXII 2.1 §5.2 Get A Collection.
import request from 'supertest';
import { makeTestApp, auth, ROOT, OTHER_ROOT, SHARED, FEED, HIDDEN, PARTNER, TAXII, type TestApp, type Who } from '../helpers/test-app';

const STIX = 'application/stix+json;version=2.1';
const UNKNOWN = '99999999-9999-4999-8999-999999999999';
const collectionUrl = (idOrAlias: string, root = ROOT) => `/${root}/collections/${idOrAlias}/`;

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

async function get(who: Who, url: string): Promise<request.Response> {
  return request(t.app).get(url).set(...auth(who)).set('Accept', TAXII);
}

/** The 404 body without its per-request error_id. */
function notFoundBody(res: request.Response): Record<string, unknown> {
  expect(res.status).toBe(404);
  expect(res.headers['content-type']).toBe(TAXII);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  expect(body.http_status).toBe('404');
  expect(typeof body.title).toBe('string');
  expect(body.error_id).toBe(res.headers['x-request-id']);
  const { error_id: _ignored, ...rest } = body;
  return rest;
}

describe('§5.2 collection resource', () => {
  test('§5.2 GET /hub/collections/<id>/ → 200 collection resource', async () => {
    const res = await get('member', collectionUrl(SHARED));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(TAXII);
    expect(JSON.parse(res.text)).toEqual({
      id: SHARED,
      title: 'Shared',
      description: 'read and write',
      alias: 'shared',
      can_read: true,
      can_write: true,
      media_types: [STIX],
    });
  });

  test('§5.2 GET /hub/collections/<alias>/ → 200 the same resource as by id', async () => {
    const byAlias = await get('member', collectionUrl('shared'));
    const byId = await get('member', collectionUrl(SHARED));
    expect(byAlias.status).toBe(200);
    expect(byAlias.text).toBe(byId.text);
  });

  test('§5.2 GET without trailing slash → 200 the same resource', async () => {
    const res = await get('member', `/${ROOT}/collections/${SHARED}`);
    expect(res.status).toBe(200);
    expect((JSON.parse(res.text) as Record<string, unknown>).id).toBe(SHARED);
  });

  test('§5.2 the resource equals the matching entry of the §5.1 list', async () => {
    for (const who of ['admin', 'member', 'reader', 'writer'] as const) {
      const listRes = await get(who, `/${ROOT}/collections/`);
      const listed = (JSON.parse(listRes.text) as { collections: Array<{ id: string }> }).collections;
      for (const c of listed) {
        const one = await get(who, collectionUrl(c.id));
        expect(one.status).toBe(200);
        expect(JSON.parse(one.text)).toEqual(c);
      }
    }
  });

  test('§5.2 reader GET /hub/collections/feed/ → 200 can_read true, can_write false', async () => {
    const body = JSON.parse((await get('reader', collectionUrl('feed'))).text) as Record<string, unknown>;
    expect(body).toMatchObject({ id: FEED, can_read: true, can_write: false });
  });

  test('§5.2 writer GET /hub/collections/feed/ (write-only) → 200 can_read false, can_write true', async () => {
    const res = await get('writer', collectionUrl(FEED));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ id: FEED, can_read: false, can_write: true });
  });

  test('§5.2 admin GET /hub/collections/<HIDDEN>/ → 200', async () => {
    const res = await get('admin', collectionUrl(HIDDEN));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ id: HIDDEN, alias: 'hidden', can_read: true, can_write: true });
  });

  test('§5.2 outsider GET /isac/collections/<PARTNER>/ → 200 without alias or description', async () => {
    const res = await get('outsider', collectionUrl(PARTNER, OTHER_ROOT));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ id: PARTNER, title: 'Partner feed', can_read: true, can_write: false, media_types: [STIX] });
  });
});

describe('§5.2 collection not found', () => {
  test('§5.2 GET /hub/collections/<unknown id>/ → 404', async () => {
    notFoundBody(await get('admin', collectionUrl(UNKNOWN)));
  });

  test('§5.2 GET /hub/collections/<unknown alias>/ → 404', async () => {
    notFoundBody(await get('admin', collectionUrl('no-such-alias')));
  });

  test.each<Who>(['member', 'reader', 'writer'])(
    '§5.2 %s GET a hidden collection (by id and by alias) → 404, same body as an unknown collection',
    async (who) => {
      const unknown = notFoundBody(await get(who, collectionUrl(UNKNOWN)));
      const hiddenById = notFoundBody(await get(who, collectionUrl(HIDDEN)));
      const hiddenByAlias = notFoundBody(await get(who, collectionUrl('hidden')));
      expect(hiddenById).toEqual(unknown);
      expect(hiddenByAlias).toEqual(unknown);
      expect(JSON.stringify(hiddenById)).not.toContain(HIDDEN);
      expect(JSON.stringify(hiddenById)).not.toContain('Hidden');
    },
  );

  test('§5.2 admin GET a collection of another API root (/hub/collections/<PARTNER>/) → 404', async () => {
    notFoundBody(await get('admin', collectionUrl(PARTNER)));
  });

  test('§5.2 admin GET /isac/collections/shared/ (alias of another root) → 404', async () => {
    notFoundBody(await get('admin', collectionUrl('shared', OTHER_ROOT)));
  });

  test('§5.2 outsider GET /hub/collections/<SHARED>/ (root not visible) → 404', async () => {
    notFoundBody(await get('outsider', collectionUrl(SHARED)));
  });

  test('§5.2 GET /unknown/collections/<SHARED>/ → 404', async () => {
    notFoundBody(await get('admin', collectionUrl(SHARED, 'unknown')));
  });

  test('§5.2 DELETE /hub/collections/<id>/ → 405 with Allow: GET', async () => {
    const res = await request(t.app).delete(collectionUrl(SHARED)).set(...auth('admin'));
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET');
    expect(res.headers['content-type']).toBe(TAXII);
  });
});

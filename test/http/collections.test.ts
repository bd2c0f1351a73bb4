// TAXII 2.1 §5.1 Get Collections.
import request from 'supertest';
import {
  makeTestApp,
  testConfigObject,
  auth,
  ROOT,
  OTHER_ROOT,
  SHARED,
  FEED,
  HIDDEN,
  PARTNER,
  TAXII,
  type TestApp,
  type Who,
} from '../helpers/test-app';

const STIX = 'application/stix+json;version=2.1';

interface CollectionResource {
  id: string;
  title: string;
  description?: string;
  alias?: string;
  can_read: boolean;
  can_write: boolean;
  media_types?: string[];
}

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(() => t.close());

async function list(who: Who, root = ROOT): Promise<CollectionResource[]> {
  const res = await request(t.app).get(`/${root}/collections/`).set(...auth(who)).set('Accept', TAXII);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe(TAXII);
  const body = JSON.parse(res.text) as { collections?: CollectionResource[] };
  return body.collections ?? [];
}

function access(resources: CollectionResource[]): Record<string, [boolean, boolean]> {
  return Object.fromEntries(resources.map((c) => [c.id, [c.can_read, c.can_write]]));
}

describe('§5.1 collections resource', () => {
  test('§5.1 GET /hub/collections/ as admin → 200 every collection of the root, full resources', async () => {
    const res = await request(t.app).get(`/${ROOT}/collections/`).set(...auth('admin')).set('Accept', TAXII);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(TAXII);
    expect(JSON.parse(res.text)).toEqual({
      collections: [
        { id: FEED, title: 'Feed', alias: 'feed', can_read: true, can_write: true, media_types: [STIX] },
        { id: HIDDEN, title: 'Hidden', alias: 'hidden', can_read: true, can_write: true, media_types: [STIX] },
        { id: SHARED, title: 'Shared', description: 'read and write', alias: 'shared', can_read: true, can_write: true, media_types: [STIX] },
      ],
    });
  });

  test('§5.1 GET /hub/collections (no trailing slash) → 200 the same resource', async () => {
    const a = await request(t.app).get(`/${ROOT}/collections`).set(...auth('member'));
    const b = await request(t.app).get(`/${ROOT}/collections/`).set(...auth('member'));
    expect(a.status).toBe(200);
    expect(a.text).toBe(b.text);
  });

  test('§5.1 can_read and can_write are JSON booleans and media_types a list of strings, for every principal', async () => {
    for (const who of ['admin', 'member', 'reader', 'writer'] as const) {
      for (const c of await list(who)) {
        expect(typeof c.can_read).toBe('boolean');
        expect(typeof c.can_write).toBe('boolean');
        expect(typeof c.id).toBe('string');
        expect(typeof c.title).toBe('string');
        expect(c.media_types).toEqual([STIX]);
      }
    }
  });
});

describe('§5.1 collections filtered per principal, with the principal\'s access', () => {
  test('§5.1 member (rw on SHARED and FEED) → 200 SHARED and FEED, both read/write; HIDDEN not listed', async () => {
    expect(access(await list('member'))).toEqual({ [SHARED]: [true, true], [FEED]: [true, true] });
  });

  test('§5.1 reader (r on SHARED and FEED) → 200 can_read true, can_write false', async () => {
    expect(access(await list('reader'))).toEqual({ [SHARED]: [true, false], [FEED]: [true, false] });
  });

  test('§5.1 writer (rw on SHARED, w on FEED) → 200 FEED can_read false, can_write true', async () => {
    expect(access(await list('writer'))).toEqual({ [SHARED]: [true, true], [FEED]: [false, true] });
  });

  test('§5.1 admin → 200 HIDDEN included, read/write everywhere', async () => {
    expect(access(await list('admin'))).toEqual({ [SHARED]: [true, true], [FEED]: [true, true], [HIDDEN]: [true, true] });
  });

  test('§5.1 outsider GET /isac/collections/ → 200 PARTNER read-only', async () => {
    const resources = await list('outsider', OTHER_ROOT);
    expect(resources).toEqual([{ id: PARTNER, title: 'Partner feed', can_read: true, can_write: false, media_types: [STIX] }]);
  });

  test('§5.1 collections are listed by title (then id), whatever order they were created in', async () => {
    expect((await list('admin')).map((c) => c.id)).toEqual([FEED, HIDDEN, SHARED]);
  });
});

describe('§5.1 not found and empty', () => {
  test('§5.1 outsider GET /hub/collections/ (no visible collection in the root) → 404', async () => {
    const res = await request(t.app).get(`/${ROOT}/collections/`).set(...auth('outsider'));
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe(TAXII);
    const body = JSON.parse(res.text) as Record<string, unknown>;
    expect(body.http_status).toBe('404');
    expect(JSON.stringify(body)).not.toContain(SHARED);
  });

  test.each<Who>(['member', 'reader', 'writer'])('§5.1 %s GET /isac/collections/ → 404', async (who) => {
    const res = await request(t.app).get(`/${OTHER_ROOT}/collections/`).set(...auth(who));
    expect(res.status).toBe(404);
  });

  test('§5.1 GET /unknown/collections/ → 404', async () => {
    const res = await request(t.app).get('/unknown/collections/').set(...auth('admin'));
    expect(res.status).toBe(404);
    expect((JSON.parse(res.text) as Record<string, unknown>).http_status).toBe('404');
  });

  test('§5.1 admin GET /<root with no collections>/collections/ → 200 {} (empty collections resource)', async () => {
    const cfg = testConfigObject();
    (cfg.api_roots as unknown[]).push({ path: 'empty', title: 'Nothing here yet' });
    const e = await makeTestApp({ config: cfg });
    try {
      const res = await request(e.app).get('/empty/collections/').set(...auth('admin')).set('Accept', TAXII);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe(TAXII);
      expect(JSON.parse(res.text)).toEqual({});
      // A non-admin cannot use that root at all (§4.2).
      expect((await request(e.app).get('/empty/collections/').set(...auth('member'))).status).toBe(404);
    } finally {
      await e.close();
    }
  });

  test('§5.1 POST /hub/collections/ → 405 with Allow: GET', async () => {
    const res = await request(t.app).post(`/${ROOT}/collections/`).set(...auth('admin')).set('Content-Type', TAXII).send('{}');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET');
  });
});

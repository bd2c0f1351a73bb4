// GET {api-root}/collections/{id}/objects/{object-id}/versions/ — TAXII 2.1 §5.8 and the
// versions resource of §5.8.1.
import {
  FEED,
  HIDDEN,
  ROOT,
  SHARED,
  TAXII,
  testAppFor,
  objectsUrl,
  versionsUrl,
  type TestApp,
} from '../helpers/test-app';
import { indicator, ipv4, malware, versionsOf } from '../helpers/stix-fixtures';
import { EPOCH, TAXII_TIMESTAMP, getJson, manifestAll, pageToEnd, seed, type Reply } from '../helpers/object-api';

const OBJECTS = objectsUrl(SHARED);
const FIRST = 'x-taxii-date-added-first';
const LAST = 'x-taxii-date-added-last';

// Each block builds its app(s) with testAppFor: one shared by its tests where they only
// read, or write only objects that no other test of the block looks at; one per test
// where a test looks at a whole collection another test writes to.
let t: TestApp;
const use = (app: TestApp): void => {
  t = app;
};

function expectTaxiiError(r: Reply, status: number): void {
  expect(r.status).toBe(status);
  expect(r.headers['content-type']).toBe(TAXII);
  expect(r.body.http_status).toBe(String(status));
  expect(r.body.versions).toBeUndefined();
}

describe('§5.8 the versions resource (§5.8.1)', () => {
  testAppFor('all', use);
  // v0 < v1 < v2, added in the order v0, v2, v1.
  let v: Record<string, unknown>[];
  let id: string;
  beforeAll(async () => {
    v = versionsOf(indicator(), 3);
    id = v[0]?.id as string;
    await seed(t, OBJECTS, [v[0], malware()]);
    await seed(t, OBJECTS, [v[2]]);
    await seed(t, OBJECTS, [indicator(), v[1]]);
  });

  test('→ 200 {"more":false,"versions":[...]} listing every version in date_added order (§5.8, §3.3)', async () => {
    const r = await getJson(t, 'member', versionsUrl(SHARED, id));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(TAXII);
    expect(JSON.parse(r.text)).toEqual({ more: false, versions: [v[0]?.modified, v[2]?.modified, v[1]?.modified] });
    expect(r.text).toBe(JSON.stringify({ more: false, versions: [v[0]?.modified, v[2]?.modified, v[1]?.modified] }));
  });

  test('→ 200 with headers at the date_added of the first and last version listed (§5.8, §3.2)', async () => {
    const m = await manifestAll(t, SHARED, { 'match[id]': id });
    const r = await getJson(t, 'member', versionsUrl(SHARED, id));
    expect(r.headers[FIRST]).toMatch(TAXII_TIMESTAMP);
    expect(r.headers[FIRST]).toBe(m[0]?.date_added);
    expect(r.headers[LAST]).toBe(m[2]?.date_added);
  });

  test.each(['first', 'last', '2024-01-01T00:00:01.000Z', 'newest'])(
    'match[version]=%s does not apply → 200 with every version (§5.8 has no version filter)',
    async (value) => {
      const r = await getJson(t, 'member', versionsUrl(SHARED, id), { 'match[version]': value });
      expect(r.status).toBe(200);
      expect(r.body.versions).toEqual([v[0]?.modified, v[2]?.modified, v[1]?.modified]);
    },
  );

  test('match[type] / match[id] do not apply either → 200 with every version (§5.8)', async () => {
    const r = await getJson(t, 'member', versionsUrl(SHARED, id), { 'match[type]': 'malware', 'match[id]': indicator().id as string });
    expect(r.body.versions).toHaveLength(3);
  });

  test('added_after → 200 with only versions added strictly after it; an empty result is 200 {} with the added_after headers (§5.8, §3.4)', async () => {
    const m = await manifestAll(t, SHARED, { 'match[id]': id });
    const r = await getJson(t, 'member', versionsUrl(SHARED, id), { added_after: m[0]?.date_added as string });
    expect(r.body).toEqual({ more: false, versions: [v[2]?.modified, v[1]?.modified] });
    const none = await getJson(t, 'member', versionsUrl(SHARED, id), { added_after: m[2]?.date_added as string });
    expect(none.status).toBe(200);
    expect(none.text).toBe('{}');
    expect(none.headers[FIRST]).toBe(m[2]?.date_added);
    expect(none.headers[LAST]).toBe(m[2]?.date_added);
  });

  test('match[spec_version]=2.0 → 200 {} (with headers); 2.1 → 200 with every version (§5.8, §3.4.1)', async () => {
    const none = await getJson(t, 'member', versionsUrl(SHARED, id), { 'match[spec_version]': '2.0' });
    expect(none.status).toBe(200);
    expect(none.text).toBe('{}');
    expect(none.headers[FIRST]).toBe(EPOCH);
    expect((await getJson(t, 'member', versionsUrl(SHARED, id), { 'match[spec_version]': '2.1' })).body.versions).toHaveLength(3);
  });

  test('malformed parameters → 400 (§5.8, §3.4)', async () => {
    for (const params of [{ limit: '0' }, { limit: '-3' }, { added_after: 'yesterday' }, { next: 'forged' }, { 'match[]': 'x' }]) {
      expectTaxiiError(await getJson(t, 'member', versionsUrl(SHARED, id), params), 400);
    }
  });

  test('by alias → 200 (§5.2.1, §5.8)', async () => {
    const r = await getJson(t, 'member', `/${ROOT}/collections/shared/objects/${id}/versions/`);
    expect(r.body.versions).toHaveLength(3);
  });
});

describe('§5.8 paging (§3.5)', () => {
  testAppFor('all', use);
  test('12 versions, limit=5 → 200 pages of 5, 5, 2 with more/next, every version once, in date_added order (§3.5)', async () => {
    const versions = versionsOf(indicator(), 12);
    const id = versions[0]?.id as string;
    const order = [versions[11], ...versions.slice(0, 11)] as Record<string, unknown>[];
    await seed(t, OBJECTS, order.slice(0, 4));
    await seed(t, OBJECTS, order.slice(4));
    const pages = await pageToEnd(t, 'member', versionsUrl(SHARED, id), { limit: '5' });
    expect(pages.map((p) => p.body.versions?.length)).toEqual([5, 5, 2]);
    expect(pages.map((p) => p.body.more)).toEqual([true, true, false]);
    expect(pages.slice(0, 2).every((p) => typeof p.body.next === 'string')).toBe(true);
    expect(pages[2]?.body.next).toBeUndefined();
    expect(pages.flatMap((p) => p.body.versions ?? [])).toEqual(order.map((o) => o.modified));

    const m = await manifestAll(t, SHARED, { 'match[id]': id });
    const added = new Map(m.map((x) => [x.version, x.date_added]));
    for (const p of pages) {
      const vs = p.body.versions ?? [];
      expect(p.headers[FIRST]).toBe(added.get(vs[0]));
      expect(p.headers[LAST]).toBe(added.get(vs[vs.length - 1]));
    }
  });

  test('a next from the versions of one object is refused for another object, for the object endpoint and for another principal → 400 (§3.5)', async () => {
    const a = versionsOf(indicator(), 3);
    const b = versionsOf(indicator(), 3);
    await seed(t, OBJECTS, [...a, ...b]);
    const aId = a[0]?.id as string;
    const next = (await getJson(t, 'member', versionsUrl(SHARED, aId), { limit: '1' })).body.next as string;
    expect((await getJson(t, 'member', versionsUrl(SHARED, aId), { limit: '1', next })).status).toBe(200);
    expectTaxiiError(await getJson(t, 'member', versionsUrl(SHARED, b[0]?.id as string), { limit: '1', next }), 400);
    expectTaxiiError(await getJson(t, 'reader', versionsUrl(SHARED, aId), { limit: '1', next }), 400);
    const objectEndpoint = await getJson(t, 'member', `/${ROOT}/collections/${SHARED}/objects/${aId}/`, {
      'match[version]': 'all',
      limit: '1',
      next,
    });
    expect(objectEndpoint.status).toBe(400);
  });
});

describe('§5.8 unknown objects and unversioned objects', () => {
  testAppFor('each', use);
  test('an unknown object → 404; an object only in another collection → 404 (§5.8)', async () => {
    const a = indicator();
    await seed(t, objectsUrl(FEED), [a]);
    expectTaxiiError(await getJson(t, 'member', versionsUrl(SHARED, indicator().id as string)), 404);
    expectTaxiiError(await getJson(t, 'member', versionsUrl(SHARED, a.id as string)), 404);
    expect((await getJson(t, 'member', versionsUrl(FEED, a.id as string))).body.versions).toEqual([a.modified]);
  });

  test('an unversioned SCO → 200 with one version, a timestamp consistent across reposts (§5.8)', async () => {
    const sco = ipv4();
    await seed(t, OBJECTS, [sco]);
    await seed(t, OBJECTS, [sco]);
    const r = await getJson(t, 'member', versionsUrl(SHARED, sco.id as string));
    expect(r.body.more).toBe(false);
    expect(r.body.versions).toHaveLength(1);
    const [m] = await manifestAll(t, SHARED);
    expect(r.body.versions).toEqual([m?.version]);
  });
});

describe('§5.8 permissions: can_read false → 403 or 404; no access → 404', () => {
  testAppFor('all', use);
  let a: Record<string, unknown>;
  beforeAll(async () => {
    a = indicator();
    for (const c of [SHARED, FEED, HIDDEN]) await seed(t, objectsUrl(c), [a]);
  });

  test('reader → 200 on SHARED and FEED (§5.8)', async () => {
    expect((await getJson(t, 'reader', versionsUrl(SHARED, a.id as string))).body.versions).toEqual([a.modified]);
    expect((await getJson(t, 'reader', versionsUrl(FEED, a.id as string))).status).toBe(200);
  });

  test('writer (w only) on FEED → 403 (§5.8)', async () => {
    expectTaxiiError(await getJson(t, 'writer', versionsUrl(FEED, a.id as string)), 403);
  });

  test('outsider → 404; member on HIDDEN → 404; admin on HIDDEN → 200 (§5.8)', async () => {
    expectTaxiiError(await getJson(t, 'outsider', versionsUrl(SHARED, a.id as string)), 404);
    expectTaxiiError(await getJson(t, 'member', versionsUrl(HIDDEN, a.id as string)), 404);
    expect((await getJson(t, 'admin', versionsUrl(HIDDEN, a.id as string))).status).toBe(200);
  });

  test('no credentials → 401 (§5.8)', async () => {
    expectTaxiiError(await getJson(t, null, versionsUrl(SHARED, a.id as string)), 401);
  });
});

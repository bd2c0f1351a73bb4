// GET {api-root}/collections/{id}/objects/{object-id}/ — TAXII 2.1 §5.6: an envelope with
// the versions of one object, filtered by match[version] / match[spec_version],
// added_after and paged with limit/next (§3.4, §3.5).
import {
  FEED,
  HIDDEN,
  ROOT,
  SHARED,
  TAXII,
  testAppFor,
  objectUrl,
  objectsUrl,
  type TestApp,
  type Who,
} from '../helpers/test-app';
import { indicator, ipv4, malware, versionsOf } from '../helpers/stix-fixtures';
import {
  EPOCH,
  TAXII_TIMESTAMP,
  getJson,
  manifestAll,
  modifiedOf,
  pageToEnd,
  seed,
  type Params,
  type Reply,
} from '../helpers/object-api';

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
  expect(r.body.objects).toBeUndefined();
}

describe('§5.6 one object, three versions', () => {
  testAppFor('all', use);
  // Versions v0 < v1 < v2, posted in the order v0, v2, v1 (so that date_added order and
  // version order differ), with another object in between.
  let v: Record<string, unknown>[];
  let other: Record<string, unknown>;
  let id: string;
  let url: string;
  beforeAll(async () => {
    v = versionsOf(indicator(), 3);
    other = malware();
    id = v[0]?.id as string;
    url = objectUrl(SHARED, id);
    await seed(t, OBJECTS, [v[0]]);
    await seed(t, OBJECTS, [other, v[2]]);
    await seed(t, OBJECTS, [v[1]]);
  });
  const get = (params?: Params, who: Who | null = 'member'): Promise<Reply> => getJson(t, who, url, params);
  const dateAdded = async (version: unknown) =>
    (await manifestAll(t, SHARED, { 'match[id]': id })).find((m) => m.version === version)?.date_added as string;

  test('→ 200, an envelope holding only the latest version (§5.6, §3.4.1 last), with the headers of its date_added', async () => {
    const r = await get();
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(TAXII);
    expect(r.body).toEqual({ more: false, objects: [v[2]] });
    const added = await dateAdded(v[2]?.modified);
    expect(added).toMatch(TAXII_TIMESTAMP);
    expect(r.headers[FIRST]).toBe(added);
    expect(r.headers[LAST]).toBe(added);
  });

  test('match[version]=all → 200 with every version, in date_added order (§5.6, §3.3)', async () => {
    const r = await get({ 'match[version]': 'all' });
    expect(r.body.objects).toEqual([v[0], v[2], v[1]]);
    expect(r.headers[FIRST]).toBe(await dateAdded(v[0]?.modified));
    expect(r.headers[LAST]).toBe(await dateAdded(v[1]?.modified));
  });

  test('match[version]=first → 200 with the earliest version; last → the latest (§5.6, §3.4.1)', async () => {
    expect((await get({ 'match[version]': 'first' })).body.objects).toEqual([v[0]]);
    expect((await get({ 'match[version]': 'last' })).body.objects).toEqual([v[2]]);
    expect((await get({ 'match[version]': 'first,last' })).body.objects).toEqual([v[0], v[2]]);
  });

  test('match[version]=<exact> → 200 with that version; written with other fraction digits too (§5.6, §3.4.1)', async () => {
    expect((await get({ 'match[version]': v[1]?.modified as string })).body.objects).toEqual([v[1]]);
    expect((await get({ 'match[version]': '2024-01-01T00:00:01Z' })).body.objects).toEqual([v[1]]);
    expect((await get({ 'match[version]': `${v[1]?.modified as string},${v[0]?.modified as string}` })).body.objects).toEqual([v[0], v[1]]);
  });

  test('added_after with match[version]=all → 200 with the versions added strictly after it (§5.6, §3.4)', async () => {
    const r = await get({ 'match[version]': 'all', added_after: await dateAdded(v[0]?.modified) });
    expect(r.body.objects).toEqual([v[2], v[1]]);
  });

  test('an exact version that is not there → 404 (§5.7: a deleted object/version is 404)', async () => {
    const r = await get({ 'match[version]': '2030-01-01T00:00:00.000Z' });
    expect(r.status).toBe(404);
    expect(r.body.http_status).toBe('404');
  });

  test.each([
    ['added_after after every version', { added_after: '2099-01-01T00:00:00Z' }],
    ['match[spec_version]=2.0', { 'match[spec_version]': '2.0' }],
  ])('filters that exclude every version (%s) → 200 {} with the headers (§5.6; Concord: the object exists, the filter selects nothing)', async (_name, params) => {
    const r = await get(params);
    expect(r.status).toBe(200);
    expect(r.text).toBe('{}');
    expect(r.headers[FIRST]).toMatch(TAXII_TIMESTAMP);
    expect(r.headers[LAST]).toMatch(TAXII_TIMESTAMP);
  });

  test('an empty page (200 {}) after added_after carries it in the headers (§3.2)', async () => {
    const r = await get({ added_after: '2099-01-01T00:00:00Z' });
    expect(r.headers[FIRST]).toBe('2099-01-01T00:00:00.000000Z');
    expect(r.headers[LAST]).toBe('2099-01-01T00:00:00.000000Z');
    const none = await get({ 'match[spec_version]': '2.0' });
    expect(none.text).toBe('{}');
    expect(none.headers[FIRST]).toBe(EPOCH);
  });

  test('match[type] and match[id] are ignored on this endpoint → 200 (§5.6: the only valid match is version)', async () => {
    expect((await get({ 'match[type]': 'malware' })).body.objects).toEqual([v[2]]);
    expect((await get({ 'match[id]': other.id as string })).body.objects).toEqual([v[2]]);
    expect((await get({ 'match[type]': 'malware', 'match[id]': other.id as string, 'match[version]': 'first' })).body.objects).toEqual([v[0]]);
  });

  test('malformed parameters → 400 (§5.6, §3.4)', async () => {
    for (const params of [
      { 'match[version]': 'newest' },
      { 'match[version]': 'all,last' },
      { limit: '0' },
      { limit: 'x' },
      { added_after: '2024-02-30T00:00:00Z' },
      { next: 'forged' },
      { 'match[version][$gt]': 'x' },
    ] as Params[]) {
      expectTaxiiError(await get(params), 400);
    }
  });

  test('the alias URL → 200 with the same object (§5.2.1, §5.6)', async () => {
    const r = await getJson(t, 'member', `/${ROOT}/collections/shared/objects/${id}/`);
    expect(r.body.objects).toEqual([v[2]]);
  });
});

describe('§5.6 paging over many versions (§3.5)', () => {
  testAppFor('all', use);
  test('12 versions, match[version]=all, limit=5 → 200 pages of 5, 5, 2, every version once, in date_added order (§3.5)', async () => {
    const versions = versionsOf(indicator(), 12);
    const id = versions[0]?.id as string;
    // Posted newest first, in two requests, so date_added order is not version order.
    const order = [...versions].reverse();
    await seed(t, OBJECTS, order.slice(0, 6));
    await seed(t, OBJECTS, [malware(), ...order.slice(6)]);
    const pages = await pageToEnd(t, 'member', objectUrl(SHARED, id), { 'match[version]': 'all', limit: '5' });
    expect(pages.map((p) => p.body.objects?.length)).toEqual([5, 5, 2]);
    expect(pages.map((p) => p.body.more)).toEqual([true, true, false]);
    expect(typeof pages[0]?.body.next).toBe('string');
    expect(pages[2]?.body.next).toBeUndefined();
    expect(pages.flatMap(modifiedOf)).toEqual(order.map((o) => o.modified));

    const m = await manifestAll(t, SHARED, { 'match[id]': id });
    const added = new Map(m.map((x) => [x.version, x.date_added]));
    for (const p of pages) {
      const mods = modifiedOf(p);
      expect(p.headers[FIRST]).toBe(added.get(mods[0]));
      expect(p.headers[LAST]).toBe(added.get(mods[mods.length - 1]));
    }
  });

  test('a next issued for one object → 400 for another object, for Get Objects and for another principal (§3.5)', async () => {
    const a = versionsOf(indicator(), 3);
    const b = versionsOf(indicator(), 3);
    await seed(t, OBJECTS, [...a, ...b]);
    const params = { 'match[version]': 'all', limit: '1' };
    const next = (await getJson(t, 'member', objectUrl(SHARED, a[0]?.id as string), params)).body.next as string;
    expect(typeof next).toBe('string');
    expect((await getJson(t, 'member', objectUrl(SHARED, a[0]?.id as string), { ...params, next })).status).toBe(200);
    expectTaxiiError(await getJson(t, 'member', objectUrl(SHARED, b[0]?.id as string), { ...params, next }), 400);
    expectTaxiiError(await getJson(t, 'member', OBJECTS, { ...params, next }), 400);
    expectTaxiiError(await getJson(t, 'reader', objectUrl(SHARED, a[0]?.id as string), { ...params, next }), 400);
  });
});

describe('§5.6 404: the object is not in this collection', () => {
  testAppFor('all', use);
  test('an unknown object id → 404 (§5.6)', async () => {
    await seed(t, OBJECTS, [indicator()]);
    expectTaxiiError(await getJson(t, 'member', objectUrl(SHARED, indicator().id as string)), 404);
    expectTaxiiError(await getJson(t, 'member', objectUrl(SHARED, 'not-an-id')), 404);
  });

  test('an object that exists only in another collection → 404 (§5.6)', async () => {
    const a = indicator();
    await seed(t, objectsUrl(FEED), [a]);
    expect((await getJson(t, 'member', objectUrl(FEED, a.id as string))).status).toBe(200);
    expectTaxiiError(await getJson(t, 'member', objectUrl(SHARED, a.id as string)), 404);
  });

  test('unknown object with filters → still 404, not an empty envelope (§5.6)', async () => {
    expectTaxiiError(await getJson(t, 'member', objectUrl(SHARED, indicator().id as string), { 'match[version]': 'all' }), 404);
  });

  test('an unversioned SCO → 200 by its id (§5.6)', async () => {
    const sco = ipv4();
    await seed(t, OBJECTS, [sco]);
    expect((await getJson(t, 'member', objectUrl(SHARED, sco.id as string))).body.objects).toEqual([sco]);
  });
});

describe('§5.6 permissions: can_read false → 403 or 404; no access → 404', () => {
  testAppFor('all', use);
  let a: Record<string, unknown>;
  beforeAll(async () => {
    a = indicator();
    await seed(t, OBJECTS, [a]);
    await seed(t, objectsUrl(FEED), [a]);
    await seed(t, objectsUrl(HIDDEN), [a]);
  });
  const id = () => a.id as string;

  test('reader (r) → 200 on SHARED and FEED (§5.6)', async () => {
    expect((await getJson(t, 'reader', objectUrl(SHARED, id()))).body.objects).toEqual([a]);
    expect((await getJson(t, 'reader', objectUrl(FEED, id()))).status).toBe(200);
  });

  test('writer (w only) on FEED → 403 (§5.6)', async () => {
    expectTaxiiError(await getJson(t, 'writer', objectUrl(FEED, id())), 403);
  });

  test('writer on FEED with an object id that does not exist → 403 as well, nothing learnt about the contents (§5.6)', async () => {
    expectTaxiiError(await getJson(t, 'writer', objectUrl(FEED, indicator().id as string)), 403);
  });

  test('outsider → 404; member on HIDDEN → 404; admin on HIDDEN → 200 (§5.6)', async () => {
    expectTaxiiError(await getJson(t, 'outsider', objectUrl(SHARED, id())), 404);
    expectTaxiiError(await getJson(t, 'member', objectUrl(HIDDEN, id())), 404);
    expect((await getJson(t, 'admin', objectUrl(HIDDEN, id()))).status).toBe(200);
  });

  test('no credentials → 401 (§5.6)', async () => {
    expectTaxiiError(await getJson(t, null, objectUrl(SHARED, id())), 401);
  });
});

// GET {api-root}/collections/{id}/manifest/ — TAXII 2.1 §5.3 and the manifest resource of
// §5.3.1, with the same filters as Get Objects (§3.4) and pagination (§3.5).
import {
  FEED,
  HIDDEN,
  OTHER_ROOT,
  PARTNER,
  ROOT,
  SHARED,
  TAXII,
  testAppFor,
  manifestUrl,
  objectsUrl,
  type TestApp,
  type Who,
} from '../helpers/test-app';
import { indicator, ipv4, malware, versionsOf } from '../helpers/stix-fixtures';
import { EPOCH, TAXII_TIMESTAMP, getJson, ids, pageToEnd, seed, type Params, type Reply } from '../helpers/object-api';

const URL = manifestUrl(SHARED);
const OBJECTS = objectsUrl(SHARED);
const FIRST = 'x-taxii-date-added-first';
const LAST = 'x-taxii-date-added-last';
const STIX_21 = 'application/stix+json;version=2.1';

// Each block builds its app(s) with testAppFor: one shared by its tests where they only
// read, or write only objects that no other test of the block looks at; one per test
// where a test looks at a whole collection another test writes to.
let t: TestApp;
const use = (app: TestApp): void => {
  t = app;
};

const get = (params?: Params, who: Who | null = 'member', url = URL): Promise<Reply> => getJson(t, who, url, params);

function expectTaxiiError(r: Reply, status: number): void {
  expect(r.status).toBe(status);
  expect(r.headers['content-type']).toBe(TAXII);
  expect(r.body.http_status).toBe(String(status));
  expect(r.body.objects).toBeUndefined();
}

describe('§5.3.1 manifest records', () => {
  testAppFor('each', use);
  test('§5.3.1 → 200; each record is exactly {id, date_added, version, media_type: application/stix+json;version=2.1}', async () => {
    const a = indicator();
    const b = malware({ modified: '2024-06-07T08:09:10.111Z' });
    await seed(t, OBJECTS, [a, b]);
    const r = await get();
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(TAXII);
    expect(r.body.more).toBe(false);
    const records = r.body.objects ?? [];
    expect(records).toHaveLength(2);
    for (const rec of records) {
      expect(Object.keys(rec).sort()).toEqual(['date_added', 'id', 'media_type', 'version']);
      expect(rec.date_added).toMatch(TAXII_TIMESTAMP);
      expect(rec.media_type).toBe(STIX_21);
    }
    expect(records.map((x) => [x.id, x.version])).toEqual([
      [a.id, a.modified],
      [b.id, '2024-06-07T08:09:10.111Z'],
    ]);
  });

  test('→ 200; media_type is one of the media_types of the collection resource (§5.3.1)', async () => {
    await seed(t, OBJECTS, [indicator()]);
    const collection = await getJson(t, 'member', `/${ROOT}/collections/${SHARED}/`);
    const mediaTypes = (collection.body as unknown as { media_types: string[] }).media_types;
    const [rec] = (await get()).body.objects ?? [];
    expect(mediaTypes).toContain(rec?.media_type);
  });

  test('→ 200; an unversioned SCO gets a version the server keeps consistent (§5.3.1)', async () => {
    const sco = ipv4();
    await seed(t, OBJECTS, [sco]);
    const first = (await get()).body.objects?.[0];
    expect(typeof first?.version).toBe('string');
    await seed(t, OBJECTS, [sco]); // a duplicate: no new record
    const again = await get({ 'match[version]': 'all' });
    expect(again.body.objects).toEqual([first]);
  });

  test('→ 200 with records sorted by date_added ascending (§3.3); date_added values are unique', async () => {
    const objects = [indicator(), malware(), ipv4(), indicator()];
    await seed(t, OBJECTS, objects.slice(0, 2));
    await seed(t, OBJECTS, objects.slice(2));
    const r = await get();
    expect(ids(r)).toEqual(objects.map((o) => o.id));
    const dates = (r.body.objects ?? []).map((x) => x.date_added as string);
    expect([...dates].sort()).toEqual(dates);
    expect(new Set(dates).size).toBe(4);
  });

  test('→ 200 listing the same objects, in the same order, as Get Objects with the same filters (§5.3)', async () => {
    const objects = [...versionsOf(indicator(), 3), malware(), ipv4()];
    await seed(t, OBJECTS, objects);
    for (const params of [{}, { 'match[version]': 'all' }, { 'match[version]': 'first' }, { 'match[type]': 'indicator,ipv4-addr' }]) {
      const m = await get(params);
      const o = await get(params, 'member', OBJECTS);
      expect(m.body.objects?.map((x) => [x.id, x.version])).toEqual(
        o.body.objects?.map((x) => [x.id, x.modified ?? m.body.objects?.find((r) => r.id === x.id)?.version]),
      );
      expect([m.headers[FIRST], m.headers[LAST]]).toEqual([o.headers[FIRST], o.headers[LAST]]);
    }
  });
});

describe('§5.3 empty manifest and headers (§3.2)', () => {
  testAppFor('each', use);
  test('empty collection → 200 {} with both headers at the epoch (§5.3, §3.2)', async () => {
    const r = await get();
    expect(r.status).toBe(200);
    expect(r.text).toBe('{}');
    expect(r.headers[FIRST]).toBe(EPOCH);
    expect(r.headers[LAST]).toBe(EPOCH);
  });

  test('empty page with added_after → 200 {} and both headers carry the added_after value (§5.3, §3.2)', async () => {
    await seed(t, OBJECTS, [indicator()]);
    const r = await get({ added_after: '2099-01-02T03:04:05.678Z' });
    expect(r.text).toBe('{}');
    expect(r.headers[FIRST]).toBe('2099-01-02T03:04:05.678000Z');
    expect(r.headers[LAST]).toBe('2099-01-02T03:04:05.678000Z');
  });

  test('non-empty page → 200 with headers equal to the first and last record date_added (§3.2)', async () => {
    await seed(t, OBJECTS, [indicator(), indicator(), indicator()]);
    const r = await get();
    const records = r.body.objects ?? [];
    expect(r.headers[FIRST]).toBe(records[0]?.date_added);
    expect(r.headers[LAST]).toBe(records[2]?.date_added);
  });
});

describe('§5.3 filters (§3.4, §3.4.1)', () => {
  testAppFor('all', use);
  let a: Record<string, unknown>[];
  let m: Record<string, unknown>;
  let s: Record<string, unknown>;
  beforeAll(async () => {
    a = versionsOf(indicator(), 3);
    m = malware({ created: '2023-01-01T00:00:00.000Z', modified: '2023-01-01T00:00:00.000Z' });
    s = ipv4();
    await seed(t, OBJECTS, [a[0], m]);
    await seed(t, OBJECTS, [a[1], s]);
    await seed(t, OBJECTS, [a[2]]);
  });
  const pairs = (r: Reply) => (r.body.objects ?? []).map((x) => [x.id, x.version]);

  test('no filter → 200 with one record per object, its latest version (§3.4.1)', async () => {
    expect(pairs(await get())).toEqual([
      [m.id, m.modified],
      [s.id, expect.any(String)],
      [a[2]?.id, a[2]?.modified],
    ]);
  });

  test('match[type] → 200 with only those types (§3.4.1)', async () => {
    expect(ids(await get({ 'match[type]': 'malware' }))).toEqual([m.id]);
    expect(ids(await get({ 'match[type]': 'ipv4-addr,malware' }))).toEqual([m.id, s.id]);
  });

  test('match[id] → 200 with only those ids (§3.4.1)', async () => {
    expect(pairs(await get({ 'match[id]': a[0]?.id as string }))).toEqual([[a[2]?.id, a[2]?.modified]]);
    expect(ids(await get({ 'match[id]': `${s.id},${m.id}` }))).toEqual([m.id, s.id]);
  });

  test('match[version]=all → 200 with one record per version, in date_added order; first; an exact version (§3.4.1)', async () => {
    expect(pairs(await get({ 'match[version]': 'all' }))).toEqual([
      [a[0]?.id, a[0]?.modified],
      [m.id, m.modified],
      [a[1]?.id, a[1]?.modified],
      [s.id, expect.any(String)],
      [a[2]?.id, a[2]?.modified],
    ]);
    expect(pairs(await get({ 'match[version]': 'first', 'match[type]': 'indicator' }))).toEqual([[a[0]?.id, a[0]?.modified]]);
    expect(pairs(await get({ 'match[version]': a[1]?.modified as string }))).toEqual([[a[1]?.id, a[1]?.modified]]);
  });

  test('added_after → 200, strictly after: the record with exactly that date_added is excluded (§3.4)', async () => {
    const all = (await get({ 'match[version]': 'all' })).body.objects ?? [];
    const r = await get({ 'match[version]': 'all', added_after: all[1]?.date_added as string });
    expect(r.body.objects).toEqual(all.slice(2));
  });

  test('match[spec_version]=2.0 → 200 {} (§3.4.1)', async () => {
    expect((await get({ 'match[spec_version]': '2.0' })).text).toBe('{}');
  });

  test('malformed parameters → 400 (§3.4)', async () => {
    for (const params of [
      { limit: '0' },
      { added_after: 'yesterday' },
      { 'match[version]': 'newest' },
      { 'match[id]': 'foo' },
      { 'match[id][$ne]': 'x' },
      { next: 'forged' },
    ] as Params[]) {
      expectTaxiiError(await get(params), 400);
    }
    expectTaxiiError(
      await get([
        ['limit', '1'],
        ['limit', '2'],
      ]),
      400,
    );
  });
});

describe('§5.3 paging (§3.5)', () => {
  testAppFor('each', use);
  test('limit/next → 200 pages to the end: every record exactly once, in date_added order (§3.5)', async () => {
    const objects = Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? malware() : indicator()));
    await seed(t, OBJECTS, objects);
    const pages = await pageToEnd(t, 'member', URL, { limit: '7' });
    expect(pages.map((p) => p.body.objects?.length)).toEqual([7, 7, 7, 7, 7, 5]);
    for (const p of pages.slice(0, -1)) {
      expect(p.body.more).toBe(true);
      expect(typeof p.body.next).toBe('string');
    }
    expect(pages[pages.length - 1]?.body.more).toBe(false);
    expect(pages.flatMap(ids)).toEqual(objects.map((o) => o.id));
    pages.forEach((p) => {
      const recs = p.body.objects ?? [];
      expect(p.headers[FIRST]).toBe(recs[0]?.date_added);
      expect(p.headers[LAST]).toBe(recs[recs.length - 1]?.date_added);
    });
  });

  test('paging match[version]=all with a type filter → 200 pages with every indicator version (§3.5)', async () => {
    const a = versionsOf(indicator(), 5);
    const b = versionsOf(malware(), 4);
    await seed(t, OBJECTS, [a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4]]);
    const pages = await pageToEnd(t, 'member', URL, { 'match[version]': 'all', 'match[type]': 'indicator', limit: '2' });
    expect(pages.flatMap((p) => (p.body.objects ?? []).map((x) => x.version))).toEqual(a.map((v) => v.modified));
  });

  test('a next from Get Objects is refused on the manifest, and the other way round → 400 (§3.5)', async () => {
    await seed(t, OBJECTS, [indicator(), indicator(), indicator()]);
    const fromObjects = (await get({ limit: '1' }, 'member', OBJECTS)).body.next as string;
    const fromManifest = (await get({ limit: '1' })).body.next as string;
    expectTaxiiError(await get({ limit: '1', next: fromObjects }), 400);
    expectTaxiiError(await get({ limit: '1', next: fromManifest }, 'member', OBJECTS), 400);
    expect((await get({ limit: '1', next: fromManifest })).status).toBe(200);
  });

  test('a next from another principal or another filter set → 400 (§3.5)', async () => {
    await seed(t, OBJECTS, [indicator(), indicator(), indicator()]);
    const next = (await get({ limit: '1' })).body.next as string;
    expectTaxiiError(await get({ limit: '1', next }, 'reader'), 400);
    expectTaxiiError(await get({ limit: '1', next, 'match[type]': 'indicator' }), 400);
  });
});

describe('§5.3 permissions (as Get Objects)', () => {
  testAppFor('all', use);
  beforeAll(async () => {
    await seed(t, OBJECTS, [indicator()]);
    await seed(t, objectsUrl(FEED), [indicator()]);
    await seed(t, objectsUrl(HIDDEN), [indicator()]);
  });

  test('reader GET SHARED → 200; reader GET FEED → 200 (§5.3)', async () => {
    expect((await get({}, 'reader')).body.objects).toHaveLength(1);
    expect((await get({}, 'reader', manifestUrl(FEED))).status).toBe(200);
  });

  test('writer (w only) GET FEED → 403 (§5.3)', async () => {
    expectTaxiiError(await get({}, 'writer', manifestUrl(FEED)), 403);
  });

  test('outsider GET SHARED → 404; member GET HIDDEN → 404; admin GET HIDDEN → 200 (§5.3)', async () => {
    expectTaxiiError(await get({}, 'outsider'), 404);
    expectTaxiiError(await get({}, 'member', manifestUrl(HIDDEN)), 404);
    expect((await get({}, 'admin', manifestUrl(HIDDEN))).body.objects).toHaveLength(1);
  });

  test('outsider GET PARTNER (other API root) → 200; member → 404 (§5.3)', async () => {
    expect((await get({}, 'outsider', manifestUrl(PARTNER, OTHER_ROOT))).status).toBe(200);
    expectTaxiiError(await get({}, 'member', manifestUrl(PARTNER, OTHER_ROOT)), 404);
  });

  test('no credentials → 401 (§5.3)', async () => {
    const r = await get({}, null);
    expectTaxiiError(r, 401);
    expect(r.headers['www-authenticate']).toBeDefined();
  });

  test('by alias → 200 (§5.2.1, §5.3)', async () => {
    expect((await get({}, 'member', `/${ROOT}/collections/shared/manifest/`)).body.objects).toHaveLength(1);
  });
});

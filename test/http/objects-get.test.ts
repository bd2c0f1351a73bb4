// GET {api-root}/collections/{id}/objects/ — TAXII 2.1 §5.4, with the filtering of §3.4 /
// §3.4.1, the sorting of §3.3, the pagination of §3.5 and the envelope of §3.7.
import request from 'supertest';
import {
  FEED,
  HIDDEN,
  OTHER_ROOT,
  PARTNER,
  ROOT,
  SHARED,
  TAXII,
  makeTestApp,
  testAppFor,
  objectUrl,
  objectsUrl,
  testConfigObject,
  type TestApp,
} from '../helpers/test-app';
import { indicator, ipv4, malware, versionsOf } from '../helpers/stix-fixtures';
import {
  EPOCH,
  TAXII_TIMESTAMP,
  deleteObject,
  getJson,
  ids,
  manifestAll,
  pageToEnd,
  seed,
  withQuery,
  type Item,
  type Params,
  type Reply,
} from '../helpers/object-api';

const URL = objectsUrl(SHARED);
const FIRST = 'x-taxii-date-added-first';
const LAST = 'x-taxii-date-added-last';

// Each block builds its app(s) with testAppFor: one shared by its tests where they only
// read, or write only objects that no other test of the block looks at; one per test
// where a test looks at a whole collection another test writes to.
let t: TestApp;
const use = (app: TestApp): void => {
  t = app;
};

/** Normalises a `…Z` timestamp with 0–9 fraction digits to the 6-digit TAXII form (rounding down). */
function toSixDigits(value: string): string {
  const m = /^(.{19})(?:\.(\d+))?Z$/.exec(value);
  if (!m) throw new Error(`not a Z timestamp: ${value}`);
  return `${m[1]}.${((m[2] ?? '') + '000000').slice(0, 6)}Z`;
}

function expectTaxiiError(r: Reply, status: number): void {
  expect(r.status).toBe(status);
  expect(r.headers['content-type']).toBe(TAXII);
  expect(r.body.http_status).toBe(String(status));
  expect(typeof r.body.title).toBe('string');
  expect(r.body.objects).toBeUndefined();
}

async function get(params?: Params, who: Parameters<typeof getJson>[1] = 'member', url = URL): Promise<Reply> {
  return getJson(t, who, url, params);
}

describe('§5.4 / §3.7 empty results and the X-TAXII-Date-Added headers (§3.2)', () => {
  testAppFor('all', use);
  test('empty collection → 200, empty envelope {} and both headers at the epoch (§5.4, §3.7, §3.2)', async () => {
    const r = await get();
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(TAXII);
    expect(r.text).toBe('{}');
    expect(r.headers[FIRST]).toBe(EPOCH);
    expect(r.headers[LAST]).toBe(EPOCH);
  });

  test.each([
    ['2024-05-06T07:08:09.123456Z', '2024-05-06T07:08:09.123456Z'],
    ['2024-05-06T07:08:09Z', '2024-05-06T07:08:09.000000Z'],
    ['2024-05-06T07:08:09.123Z', '2024-05-06T07:08:09.123000Z'],
    ['2024-05-06T07:08:09.123456789Z', '2024-05-06T07:08:09.123456Z'],
    ['2200-01-01T00:00:00.123456Z', '2200-01-01T00:00:00.123456Z'],
    ['9999-12-31T23:59:59Z', '9999-12-31T23:59:59.000000Z'],
    ['9999-12-31T23:59:59.999999Z', '9999-12-31T23:59:59.999999Z'],
  ])('empty page with added_after=%s → 200 {} and both headers carry %s (§3.2; Concord: the point the query reached)', async (given, expected) => {
    const r = await get({ added_after: given });
    expect(r.status).toBe(200);
    expect(r.text).toBe('{}');
    expect(r.headers[FIRST]).toBe(expected);
    expect(r.headers[LAST]).toBe(expected);
  });
});

// The same block, for the tests that write and then look at the whole collection: an app
// each.
describe('§5.4 / §3.7 empty results and the X-TAXII-Date-Added headers (§3.2)', () => {
  testAppFor('each', use);
  test('added_after = X-TAXII-Date-Added-Last of the last page → 200 {} with both headers at that value (§3.5 resuming by date)', async () => {
    await seed(t, URL, [indicator(), indicator(), indicator()]);
    const all = await get();
    const last = all.headers[LAST] as string;
    const r = await get({ added_after: last });
    expect(r.status).toBe(200);
    expect(r.text).toBe('{}');
    expect(r.headers[FIRST]).toBe(last);
    expect(r.headers[LAST]).toBe(last);
  });

  test('non-empty pages → 200 with headers equal to the date_added (from the manifest) of the first and last object of the page (§3.2, §3.5)', async () => {
    await seed(t, URL, Array.from({ length: 5 }, () => indicator()));
    const m = await manifestAll(t, SHARED);
    expect(m).toHaveLength(5);

    const whole = await get();
    expect(whole.status).toBe(200);
    expect(whole.headers[FIRST]).toMatch(TAXII_TIMESTAMP);
    expect(whole.headers[LAST]).toMatch(TAXII_TIMESTAMP);
    expect(whole.headers[FIRST]).toBe(m[0]?.date_added);
    expect(whole.headers[LAST]).toBe(m[4]?.date_added);

    const pages = await pageToEnd(t, 'member', URL, { limit: '2' });
    expect(pages.map((p) => [p.headers[FIRST], p.headers[LAST]])).toEqual([
      [m[0]?.date_added, m[1]?.date_added],
      [m[2]?.date_added, m[3]?.date_added],
      [m[4]?.date_added, m[4]?.date_added],
    ]);
  });

  test('§3.3 → 200 with objects sorted by date_added ascending: the most recently added is last', async () => {
    const a = indicator();
    const b = malware();
    const c = indicator();
    const d = ipv4();
    await seed(t, URL, [a]);
    await seed(t, URL, [b, c]);
    await seed(t, URL, [d]);
    const r = await get();
    expect(ids(r)).toEqual([a.id, b.id, c.id, d.id]);
    expect(r.body.objects).toEqual([a, b, c, d]);
    const m = await manifestAll(t, SHARED);
    expect(m.map((x) => x.id)).toEqual([a.id, b.id, c.id, d.id]);
    const dates = m.map((x) => x.date_added as string);
    expect([...dates].sort()).toEqual(dates);
    expect(new Set(dates).size).toBe(dates.length);
  });
});

describe('§3.4 added_after', () => {
  testAppFor('each', use);
  test('→ 200 with only objects added strictly after the value: the object whose date_added equals it is excluded (§3.4)', async () => {
    await seed(t, URL, Array.from({ length: 5 }, () => indicator()));
    const m = await manifestAll(t, SHARED);
    const r = await get({ added_after: m[2]?.date_added as string });
    expect(r.status).toBe(200);
    expect(ids(r)).toEqual([m[3]?.id, m[4]?.id]);
    expect(r.headers[FIRST]).toBe(m[3]?.date_added);
    expect(r.headers[LAST]).toBe(m[4]?.date_added);
  });

  test.each([
    ['no fraction', (d: string) => `${d.slice(0, 19)}Z`],
    ['1 fraction digit', (d: string) => `${d.slice(0, 21)}Z`],
    ['3 fraction digits', (d: string) => `${d.slice(0, 23)}Z`],
    ['6 fraction digits', (d: string) => d],
    ['9 fraction digits', (d: string) => `${d.slice(0, 26)}999Z`],
    ['9 fraction digits (zeros)', (d: string) => `${d.slice(0, 26)}000Z`],
  ])('added_after with %s → 200, compared at microsecond precision (§3.4)', async (_name, write) => {
    await seed(t, URL, Array.from({ length: 5 }, () => indicator()));
    const m = await manifestAll(t, SHARED);
    const value = write(m[2]?.date_added as string);
    const bound = toSixDigits(value);
    const r = await get({ added_after: value });
    expect(r.status).toBe(200);
    expect(ids(r)).toEqual(m.filter((x) => (x.date_added as string) > bound).map((x) => x.id));
  });

  test('a 9-digit added_after finer than the date_added → 200 and still excludes that object (§3.4: D + 999 ns is before D + 1 µs)', async () => {
    await seed(t, URL, Array.from({ length: 4 }, () => indicator()));
    const m = await manifestAll(t, SHARED);
    const d = m[1]?.date_added as string;
    const r = await get({ added_after: `${d.slice(0, 26)}999Z` });
    expect(ids(r)).toEqual([m[2]?.id, m[3]?.id]);
  });

  test('an added_after before every object → 200 with them all, in 0, 3, 6 and 9 digit forms (§3.4)', async () => {
    await seed(t, URL, [indicator(), malware()]);
    for (const v of ['2020-01-01T00:00:00Z', '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000000Z', '2020-01-01T00:00:00.000000000Z']) {
      const r = await get({ added_after: v });
      expect(r.status).toBe(200);
      expect(r.body.objects).toHaveLength(2);
    }
  });
});

// The same block, for the tests that refuse a parameter: the object each one seeds is no
// other test's concern, so they share one app.
describe('§3.4 added_after', () => {
  testAppFor('all', use);
  test.each([
    'yesterday',
    '2024-02-30T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-01-01',
    '2024-01-01T00:00:00',
    '2024-13-01T00:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-01-01T00:60:00Z',
    '2024-01-01 00:00:00Z',
    '2024-01-01T00:00:00.Z',
    '2024-01-01T00:00:00.1234567890Z',
    '1704067200',
    '',
  ])('malformed added_after=%j → 400 (§3.4: malformed parameters MUST be a 400)', async (value) => {
    await seed(t, URL, [indicator()]);
    expectTaxiiError(await get({ added_after: value }), 400);
  });
});

describe('§3.4 limit and §3.5 pagination', () => {
  testAppFor('each', use);
  test('limit=1 → 200 with one object, more: true and a string next (§3.4, §3.5, §3.7)', async () => {
    await seed(t, URL, [indicator(), indicator(), indicator()]);
    const r = await get({ limit: '1' });
    expect(r.status).toBe(200);
    expect(r.body.objects).toHaveLength(1);
    expect(r.body.more).toBe(true);
    expect(typeof r.body.next).toBe('string');
    expect((r.body.next as string).length).toBeGreaterThan(0);
  });

  test('a limit equal to the number of objects → 200 with them all, more: false and no next (§3.4)', async () => {
    await seed(t, URL, [indicator(), indicator(), indicator()]);
    const r = await get({ limit: '3' });
    expect(r.body.objects).toHaveLength(3);
    expect(r.body.more).toBe(false);
    expect(r.body.next).toBeUndefined();
  });

  test('a limit above what is there → 200 with everything (§3.4: all objects MUST be included)', async () => {
    await seed(t, URL, [indicator(), indicator()]);
    const r = await get({ limit: '50' });
    expect(r.body.objects).toHaveLength(2);
    expect(r.body.more).toBe(false);
  });

  test('a limit above page_size_max → 200 clamped to it; without limit, page_size_default applies; more is true (§3.4, §3.5)', async () => {
    const small = await makeTestApp({ config: testConfigObject({ taxii: { page_size_default: 5, page_size_max: 10 } }) });
    try {
      const objects = Array.from({ length: 25 }, () => indicator());
      await seed(small, URL, objects);
      const clamped = await getJson(small, 'member', URL, { limit: '1000' });
      expect(clamped.status).toBe(200);
      expect(clamped.body.objects).toHaveLength(10);
      expect(clamped.body.more).toBe(true);
      expect(typeof clamped.body.next).toBe('string');

      const byDefault = await getJson(small, 'member', URL);
      expect(byDefault.body.objects).toHaveLength(5);
      expect(byDefault.body.more).toBe(true);
      expect(typeof byDefault.body.next).toBe('string');

      const seven = await getJson(small, 'member', URL, { limit: '7' });
      expect(seven.body.objects).toHaveLength(7);

      // Paging at the default size still reaches every object.
      const pages = await pageToEnd(small, 'member', URL);
      expect(pages.map((p) => p.body.objects?.length)).toEqual([5, 5, 5, 5, 5]);
      expect(pages.flatMap(ids)).toEqual(objects.map((o) => o.id));
    } finally {
      await small.close();
    }
  });

  test('no limit → 200 with the default page size (page_size_default=100) and more: true (§3.5 server-imposed limit)', async () => {
    await seed(t, URL, Array.from({ length: 120 }, () => indicator()));
    const r = await get();
    expect(r.body.objects).toHaveLength(100);
    expect(r.body.more).toBe(true);
    expect(typeof r.body.next).toBe('string');
  });

  test('230 objects paged with limit=17 → 14 × 200: every object exactly once, in date_added order, more/next on every page but the last (§3.5)', async () => {
    const objects = Array.from({ length: 230 }, (_, i) => (i % 3 === 0 ? malware() : indicator()));
    await seed(t, URL, objects.slice(0, 100));
    await seed(t, URL, objects.slice(100));
    const m = await manifestAll(t, SHARED);
    const dateOf = new Map(m.map((x) => [x.id, x.date_added as string]));

    const pages = await pageToEnd(t, 'member', URL, { limit: '17' });
    expect(pages).toHaveLength(14);
    pages.forEach((p, i) => {
      const last = i === pages.length - 1;
      expect(p.body.objects).toHaveLength(last ? 230 - 13 * 17 : 17);
      expect(p.body.more).toBe(!last);
      if (last) expect(p.body.next).toBeUndefined();
      else expect(typeof p.body.next).toBe('string');
      const pageIds = ids(p);
      expect(p.headers[FIRST]).toBe(dateOf.get(pageIds[0] as string));
      expect(p.headers[LAST]).toBe(dateOf.get(pageIds[pageIds.length - 1] as string));
      if (i > 0) expect((p.headers[FIRST] as string) > (pages[i - 1]?.headers[LAST] as string)).toBe(true);
    });
    const seen = pages.flatMap(ids);
    expect(seen).toHaveLength(230);
    expect(new Set(seen).size).toBe(230);
    expect(seen).toEqual(objects.map((o) => o.id));
    expect(seen).toEqual(m.map((x) => x.id));
  });

  test('resuming with added_after = X-TAXII-Date-Added-Last instead of next → 200s reaching every object exactly once (§3.5)', async () => {
    const objects = Array.from({ length: 40 }, () => indicator());
    await seed(t, URL, objects);
    const seen: string[] = [];
    let addedAfter: string | undefined;
    for (let page = 0; page < 20; page++) {
      const r = await get({ limit: '9', added_after: addedAfter });
      expect(r.status).toBe(200);
      seen.push(...ids(r));
      if (r.body.more !== true) break;
      addedAfter = r.headers[LAST];
    }
    expect(seen).toEqual(objects.map((o) => o.id));
  });

  test('paging a multi-type filter (match[type]=indicator,malware, limit=2) → 200s with exactly the matching objects in order (§3.5 with §3.4.1)', async () => {
    const objects = [indicator(), ipv4('198.51.100.1'), malware(), indicator(), ipv4('198.51.100.2'), malware(), malware(), indicator(), ipv4('198.51.100.3')];
    await seed(t, URL, objects);
    const pages = await pageToEnd(t, 'member', URL, { 'match[type]': 'indicator,malware', limit: '2' });
    expect(pages.map((p) => p.body.objects?.length)).toEqual([2, 2, 2]);
    expect(pages.flatMap(ids)).toEqual(objects.filter((o) => o.type !== 'ipv4-addr').map((o) => o.id));
  });

  test('more: true, then the rest is deleted: the follow-on page is 200 {} with both headers at the cursor position (§3.5)', async () => {
    const [a, b] = [indicator(), indicator()];
    await seed(t, URL, [a, b], 'member');
    const first = await get({ limit: '1' });
    expect(first.body.more).toBe(true);
    expect((await deleteObject(t, 'member', objectUrl(SHARED, b.id as string))).status).toBe(200);
    const r = await get({ limit: '1', next: first.body.next as string });
    expect(r.status).toBe(200);
    expect(r.text).toBe('{}');
    expect(r.headers[FIRST]).toBe(first.headers[LAST]);
    expect(r.headers[LAST]).toBe(first.headers[LAST]);
  });

  test('an empty next= is treated as absent → 200 with the first page (§3.5; MISP sends one)', async () => {
    await seed(t, URL, [indicator(), indicator(), indicator()]);
    const first = await get({ limit: '1' });
    const withEmpty = await get([
      ['limit', '1'],
      ['next', ''],
    ]);
    expect(withEmpty.status).toBe(200);
    expect(ids(withEmpty)).toEqual(ids(first));
    expect(withEmpty.body.more).toBe(true);
  });

  test('a next reused with different filters → 400 (§3.5: next goes with the same original query)', async () => {
    await seed(t, URL, [indicator(), malware(), indicator(), malware()]);
    const first = await get({ 'match[type]': 'indicator', limit: '1' });
    const next = first.body.next as string;
    expect(typeof next).toBe('string');
    // The same filters: accepted.
    const ok = await get({ 'match[type]': 'indicator', limit: '1', next });
    expect(ok.status).toBe(200);
    // Any other filter set: refused.
    for (const params of [
      { 'match[type]': 'malware', limit: '1', next },
      { limit: '1', next },
      { 'match[type]': 'indicator,malware', limit: '1', next },
      { 'match[type]': 'indicator', 'match[version]': 'all', limit: '1', next },
      { 'match[type]': 'indicator', added_after: '2020-01-01T00:00:00Z', limit: '1', next },
      { 'match[type]': 'indicator', 'match[spec_version]': '2.1', limit: '1', next },
    ]) {
      expectTaxiiError(await get(params), 400);
    }
  });

  test('forged or garbled next values → 400 (§3.5; App. B: never trust what the client sends back)', async () => {
    await seed(t, URL, [indicator(), indicator(), indicator()]);
    const real = (await get({ limit: '1' })).body.next as string;
    const flip = (c: string) => (c === 'a' ? 'b' : 'a');
    const forged = [
      'abc',
      '0',
      '-1',
      'null',
      '{"after":0}',
      'zzzz.AAAAAAAAAAAAAAAAAAAAAA',
      `${flip(real[0] as string)}${real.slice(1)}`,
      `${real.slice(0, -1)}${flip(real[real.length - 1] as string)}`,
      real.slice(0, -1),
      `${real}x`,
      real.toUpperCase(),
      'x'.repeat(5000),
    ];
    for (const next of forged) {
      const r = await get({ limit: '1', next });
      expectTaxiiError(r, 400);
    }
  });

  test("a next issued to one principal is refused for another, even one that may read the collection → 400 (§3.5)", async () => {
    await seed(t, URL, [indicator(), indicator(), indicator()]);
    const next = (await get({ limit: '1' }, 'member')).body.next as string;
    expect((await get({ limit: '1', next }, 'member')).status).toBe(200);
    expectTaxiiError(await get({ limit: '1', next }, 'reader'), 400);
    expectTaxiiError(await get({ limit: '1', next }, 'admin'), 400);
  });

  test('a next from one collection used on another → 400 (§3.5)', async () => {
    await seed(t, URL, [indicator(), indicator(), indicator()]);
    await seed(t, objectsUrl(FEED), [indicator(), indicator(), indicator()]);
    const next = (await get({ limit: '1' })).body.next as string;
    expectTaxiiError(await get({ limit: '1', next }, 'member', objectsUrl(FEED)), 400);
  });

  test('next is a single parameter: repeated next → 400 (§3.4)', async () => {
    await seed(t, URL, [indicator(), indicator(), indicator()]);
    const next = (await get({ limit: '1' })).body.next as string;
    expectTaxiiError(
      await get([
        ['limit', '1'],
        ['next', next],
        ['next', next],
      ]),
      400,
    );
  });
});

// The same block, for the tests that refuse a parameter: the object each one seeds is no
// other test's concern, so they share one app.
describe('§3.4 limit and §3.5 pagination', () => {
  testAppFor('all', use);
  test.each(['0', '-1', 'abc', '1.5', '', '1e3', ' 1', '0x10', '+5'])('limit=%j → 400 (§3.4: limit MUST be a positive integer)', async (value) => {
    await seed(t, URL, [indicator()]);
    expectTaxiiError(await get({ limit: value }), 400);
  });
});

describe('§3.4.1 match[id]', () => {
  testAppFor('all', use);
  test('§3.4.1 match[id] with one id → 200 with that object', async () => {
    const [a, b, c] = [indicator(), malware(), indicator()];
    await seed(t, URL, [a, b, c]);
    const r = await get({ 'match[id]': b.id as string });
    expect(r.status).toBe(200);
    expect(r.body.objects).toEqual([b]);
  });

  test('§3.4.1 comma-separated ids → 200, ORed, in date_added order (§3.3), not parameter order', async () => {
    const [a, b, c] = [indicator(), malware(), indicator()];
    await seed(t, URL, [a, b, c]);
    const r = await get({ 'match[id]': `${c.id},${a.id}` });
    expect(ids(r)).toEqual([a.id, c.id]);
  });

  test('an id that is not in the collection → 200 with an empty envelope and the headers (§3.7)', async () => {
    await seed(t, URL, [indicator()]);
    const r = await get({ 'match[id]': indicator().id as string });
    expect(r.status).toBe(200);
    expect(r.text).toBe('{}');
    expect(r.headers[FIRST]).toBe(EPOCH);
    expect(r.headers[LAST]).toBe(EPOCH);
  });

  test('a value that is not a STIX identifier → 400 (§3.4 malformed parameter)', async () => {
    await seed(t, URL, [indicator()]);
    expectTaxiiError(await get({ 'match[id]': 'foo' }), 400);
    expectTaxiiError(await get({ 'match[id]': `${indicator().id as string},` }), 400);
  });
});

describe('§3.4.1 match[type]', () => {
  testAppFor('each', use);
  test('§3.4.1 match[type] with one type → 200 with only objects of that type', async () => {
    const objects = [indicator(), malware(), ipv4(), indicator()];
    await seed(t, URL, objects);
    const r = await get({ 'match[type]': 'indicator' });
    expect(ids(r)).toEqual([objects[0]?.id, objects[3]?.id]);
  });

  test('§3.4.1 several types (indicator,malware) → 200, ORed, in date_added order', async () => {
    const objects = [indicator(), malware(), ipv4(), indicator(), malware()];
    await seed(t, URL, objects);
    const r = await get({ 'match[type]': 'indicator,malware' });
    expect(ids(r)).toEqual(objects.filter((o) => o.type !== 'ipv4-addr').map((o) => o.id));
  });

  test('a STIX type with no objects → 200 {} (§3.4.1: STIX types MUST NOT be an error)', async () => {
    await seed(t, URL, [indicator()]);
    for (const type of ['campaign', 'threat-actor', 'x-acme-widget']) {
      const r = await get({ 'match[type]': type });
      expect(r.status).toBe(200);
      expect(r.text).toBe('{}');
    }
  });
});

// A has versions a0 < a1 < a2 (modified one second apart); B has one version, with a
// modified of its own.
// Added in the order a0, b, a1, a2.
let a: Record<string, unknown>[];
let b: Record<string, unknown>;
async function seedVersions(): Promise<void> {
  a = versionsOf(indicator(), 3);
  b = malware({ created: '2023-06-01T00:00:00.000Z', modified: '2023-06-01T00:00:00.000Z' });
  await seed(t, URL, [a[0]]);
  await seed(t, URL, [b]);
  await seed(t, URL, [a[1]]);
  await seed(t, URL, [a[2]]);
}

describe('§3.4.1 match[version]', () => {
  testAppFor('all', use);
  beforeAll(seedVersions);
  const v = (i: number) => a[i]?.modified as string;

  test('no match[version] → 200 with only the latest version of each object (§3.4.1: last is the default)', async () => {
    const r = await get();
    expect(r.body.objects).toEqual([b, a[2]]);
  });

  test('match[version]=last → 200 with the latest version of each object (§3.4.1)', async () => {
    expect((await get({ 'match[version]': 'last' })).body.objects).toEqual([b, a[2]]);
  });

  test('match[version]=first → 200 with the earliest version of each object (§3.4.1)', async () => {
    expect((await get({ 'match[version]': 'first' })).body.objects).toEqual([a[0], b]);
  });

  test('match[version]=all → 200 with every version, in date_added order (§3.4.1, §3.3)', async () => {
    expect((await get({ 'match[version]': 'all' })).body.objects).toEqual([a[0], b, a[1], a[2]]);
  });

  test('match[version]=<timestamp> → 200 with the objects whose modified is exactly that (§3.4.1)', async () => {
    expect((await get({ 'match[version]': v(1) })).body.objects).toEqual([a[1]]);
  });

  test('several exact timestamps → 200, ORed (§3.4.1)', async () => {
    expect((await get({ 'match[version]': `${v(2)},${v(0)}` })).body.objects).toEqual([a[0], a[2]]);
  });

  test('match[version]=first,last → 200 with the first and last version of each object, an object with one version once (§3.4.1)', async () => {
    expect((await get({ 'match[version]': 'first,last' })).body.objects).toEqual([a[0], b, a[2]]);
  });

  test('match[version]=first,<ts>,last → 200 (§3.4.1 example)', async () => {
    expect((await get({ 'match[version]': `first,${v(1)},last` })).body.objects).toEqual([a[0], b, a[1], a[2]]);
  });

  test.each(['2024-01-01T00:00:01Z', '2024-01-01T00:00:01.0Z', '2024-01-01T00:00:01.000000Z', '2024-01-01T00:00:01.000000000Z'])(
    'match[version]=%s (other fraction digits) → 200 with the version 2024-01-01T00:00:01.000Z (§3.4.1)',
    async (written) => {
      expect(v(1)).toBe('2024-01-01T00:00:01.000Z');
      expect((await get({ 'match[version]': written })).body.objects).toEqual([a[1]]);
    },
  );

  test('a timestamp no version has → 200 {} (§3.4.1, §3.7)', async () => {
    const r = await get({ 'match[version]': '2030-01-01T00:00:00.000Z' });
    expect(r.status).toBe(200);
    expect(r.text).toBe('{}');
  });

  test.each([
    'newest',
    'LAST',
    'last,last',
    'first,first',
    'all,first',
    'first,all',
    'all,all',
    'last,',
    '',
    '2024-02-30T00:00:00Z',
    '2024-01-01',
    '2024-01-01T00:00:01+00:00',
    '2024-01-01T00:00:01Z,2024-01-01T00:00:01.000Z',
  ])('invalid match[version]=%j → 400 (§3.4.1: no duplicates, all alone, keywords or STIX timestamps)', async (value) => {
    expectTaxiiError(await get({ 'match[version]': value }), 400);
  });
});

// The same block, for the test that adds an object to those the others read: an app of its own.
describe('§3.4.1 match[version]', () => {
  testAppFor('each', use);
  beforeEach(seedVersions);

  test('a 6-digit modified: its 9-digit form → 200 with it; a different instant with fewer digits → 200 {} (§3.4.1)', async () => {
    const c = indicator({ created: '2024-03-04T05:06:07.123456Z' });
    await seed(t, URL, [c]);
    expect(ids(await get({ 'match[version]': '2024-03-04T05:06:07.123456000Z' }))).toEqual([c.id]);
    expect((await get({ 'match[version]': '2024-03-04T05:06:07.123Z' })).text).toBe('{}');
  });
});

describe('§3.4.1 match[spec_version]', () => {
  testAppFor('each', use);
  test('§3.4.1 match[spec_version]: 2.1 → 200 with every object; 2.0 → 200 {}; 2.0,2.1 → 200 with all', async () => {
    const objects = [indicator(), malware(), ipv4()];
    await seed(t, URL, objects);
    expect(ids(await get({ 'match[spec_version]': '2.1' }))).toEqual(objects.map((o) => o.id));
    const none = await get({ 'match[spec_version]': '2.0' });
    expect(none.status).toBe(200);
    expect(none.text).toBe('{}');
    expect(ids(await get({ 'match[spec_version]': '2.0,2.1' }))).toEqual(objects.map((o) => o.id));
  });

  test('§3.4.1 match[spec_version] that is not a spec version → 400', async () => {
    expectTaxiiError(await get({ 'match[spec_version]': 'latest' }), 400);
  });
});

describe('§3.4 match fields are ANDed', () => {
  testAppFor('each', use);
  test('§3.4 type AND id, type AND version, with added_after and spec_version → 200 with the intersection', async () => {
    const ind = versionsOf(indicator(), 2);
    const mal = malware();
    await seed(t, URL, [ind[0], mal]);
    await seed(t, URL, [ind[1]]);
    const m = await manifestAll(t, SHARED);

    expect((await get({ 'match[type]': 'indicator', 'match[id]': mal.id as string })).text).toBe('{}');
    expect((await get({ 'match[type]': 'indicator', 'match[id]': `${mal.id},${ind[0]?.id}` })).body.objects).toEqual([ind[1]]);
    expect((await get({ 'match[type]': 'indicator', 'match[version]': 'first' })).body.objects).toEqual([ind[0]]);
    expect((await get({ 'match[type]': 'malware', 'match[version]': 'all', 'match[spec_version]': '2.1' })).body.objects).toEqual([mal]);
    expect(
      (await get({ 'match[type]': 'indicator,malware', 'match[version]': 'all', added_after: m[0]?.date_added as string })).body.objects,
    ).toEqual([mal, ind[1]]);
    expect((await get({ 'match[type]': 'indicator', 'match[spec_version]': '2.0' })).text).toBe('{}');
  });
});

describe('§3.4 malformed, repeated and unknown parameters', () => {
  testAppFor('all', use);
  test.each([
    [['limit', '1'], ['limit', '2']],
    [['match[type]', 'indicator'], ['match[type]', 'malware']],
    [['match[version]', 'first'], ['match[version]', 'last']],
    [['match[spec_version]', '2.1'], ['match[spec_version]', '2.1']],
    [['added_after', '2020-01-01T00:00:00Z'], ['added_after', '2021-01-01T00:00:00Z']],
  ] as Array<[[string, string], [string, string]]>)('a repeated parameter (%j, %j) → 400 (§3.4: each field MUST NOT occur more than once)', async (p1, p2) => {
    await seed(t, URL, [indicator()]);
    expectTaxiiError(await get([p1, p2]), 400);
  });

  test('a repeated match[id] → 400', async () => {
    const [x, y] = [indicator(), indicator()];
    await seed(t, URL, [x, y]);
    expectTaxiiError(
      await get([
        ['match[id]', x.id as string],
        ['match[id]', y.id as string],
      ]),
      400,
    );
  });

  test.each(['match[id][$ne]', 'match[]', 'match[id', 'match[type]]', 'match[ID]', 'match[id]x', 'match[[id]]', 'match[id ]'])(
    'malformed match key %s → 400, and no object leaks into the error (§3.4)',
    async (key) => {
      const secret = indicator();
      await seed(t, URL, [secret]);
      const r = await get([[key, 'x']]);
      expectTaxiiError(r, 400);
      expect(r.text).not.toContain(secret.id as string);
      expect(r.text).not.toContain('198.51.100.1');
    },
  );

  test('a value with a broken percent-escape (limit=%ZZ) → 400, not a 500 (§3.4)', async () => {
    await seed(t, URL, [indicator()]);
    expectTaxiiError(await getJson(t, 'member', `${URL}?limit=%ZZ`), 400);
  });
});

// The same block, for the tests that write and then look at the whole collection: an app
// each.
describe('§3.4 malformed, repeated and unknown parameters', () => {
  testAppFor('each', use);
  test('percent-encoded brackets are the same key: match%5Bid%5D → 200 filtered like match[id] (§3.4)', async () => {
    const [x, y] = [indicator(), indicator()];
    await seed(t, URL, [x, y]);
    const r = await getJson(t, 'member', `${URL}?match%5Bid%5D=${y.id as string}`);
    expect(r.status).toBe(200);
    expect(ids(r)).toEqual([y.id]);
  });

  test('an unknown match field (match[foo]=bar) is ignored → 200 with everything (§3.4: servers MAY ignore fields they do not understand)', async () => {
    const objects = [indicator(), malware()];
    await seed(t, URL, objects);
    const r = await get({ 'match[foo]': 'bar' });
    expect(r.status).toBe(200);
    expect(ids(r)).toEqual(objects.map((o) => o.id));
  });

  test('unknown parameters (_=123, callback=x, match=x) are ignored → 200 (§3.4)', async () => {
    const objects = [indicator(), malware()];
    await seed(t, URL, objects);
    for (const params of [{ _: '123' }, { callback: 'x' }, { match: 'x' }, { _: '123', limit: '1' }]) {
      const r = await get(params);
      expect(r.status).toBe(200);
      expect(ids(r)).toEqual(params.limit ? [objects[0]?.id] : objects.map((o) => o.id));
    }
  });
});

describe('§5.2.1 the collection alias stands for its id', () => {
  testAppFor('each', use);
  test('GET by alias → 200 with the same objects, filters and paging (§5.2.1, §5.4)', async () => {
    const objects = [indicator(), malware(), indicator()];
    await seed(t, URL, objects);
    const byAlias = await get({}, 'member', `/${ROOT}/collections/shared/objects/`);
    expect(byAlias.status).toBe(200);
    expect(byAlias.body.objects).toEqual(objects);
    expect(ids(await get({ 'match[type]': 'malware' }, 'member', `/${ROOT}/collections/shared/objects/`))).toEqual([objects[1]?.id]);
    const pages = await pageToEnd(t, 'member', `/${ROOT}/collections/shared/objects/`, { limit: '1' });
    expect(pages.flatMap(ids)).toEqual(objects.map((o) => o.id));
    const feed = await get({}, 'reader', `/${ROOT}/collections/feed/objects/`);
    expect(feed.status).toBe(200);
  });

  test('without the trailing slash → 200 too (§3.1 requires it of clients; Concord is lenient)', async () => {
    await seed(t, URL, [indicator()]);
    const r = await getJson(t, 'member', `/${ROOT}/collections/${SHARED}/objects`);
    expect(r.status).toBe(200);
    expect(r.body.objects).toHaveLength(1);
  });
});

describe('§5.4 permissions: can_read false → 403 or 404; no access → 404; no credentials → 401', () => {
  testAppFor('all', use);
  let stored: Item[];
  beforeAll(async () => {
    await seed(t, URL, [indicator()]);
    await seed(t, objectsUrl(FEED), [indicator()]);
    await seed(t, objectsUrl(HIDDEN), [indicator()]);
    await seed(t, objectsUrl(PARTNER, OTHER_ROOT), [indicator()]);
    stored = await manifestAll(t, SHARED);
  });

  test('reader (r) GET SHARED → 200 with the objects (§5.4)', async () => {
    const r = await get({}, 'reader');
    expect(r.status).toBe(200);
    expect(ids(r)).toEqual(stored.map((x) => x.id));
  });

  test('reader (r) GET FEED → 200; writer (rw) GET SHARED → 200 (§5.4)', async () => {
    expect((await get({}, 'reader', objectsUrl(FEED))).status).toBe(200);
    expect((await get({}, 'writer', URL)).status).toBe(200);
  });

  test('writer (w only) GET FEED → 403 (§5.4: can_read false)', async () => {
    expectTaxiiError(await get({}, 'writer', objectsUrl(FEED)), 403);
  });

  test('outsider (no access) GET SHARED → 404 (§5.4)', async () => {
    expectTaxiiError(await get({}, 'outsider', URL), 404);
  });

  test('HIDDEN → 404 for member; 200 for admin (§5.4)', async () => {
    expectTaxiiError(await get({}, 'member', objectsUrl(HIDDEN)), 404);
    const admin = await get({}, 'admin', objectsUrl(HIDDEN));
    expect(admin.status).toBe(200);
    expect(admin.body.objects).toHaveLength(1);
  });

  test('PARTNER in the other API root: outsider 200, member 404 (§5.4)', async () => {
    expect((await get({}, 'outsider', objectsUrl(PARTNER, OTHER_ROOT))).status).toBe(200);
    expectTaxiiError(await get({}, 'member', objectsUrl(PARTNER, OTHER_ROOT)), 404);
  });

  test('unknown collection or API root → 404 (§5.4)', async () => {
    expectTaxiiError(await get({}, 'admin', objectsUrl('55555555-5555-4555-8555-555555555555')), 404);
    expectTaxiiError(await get({}, 'admin', objectsUrl(SHARED, 'nope')), 404);
  });

  test('no credentials, or a wrong token → 401 with WWW-Authenticate (§5.4)', async () => {
    const none = await get({}, null);
    expectTaxiiError(none, 401);
    expect(none.headers['www-authenticate']).toMatch(/Basic|Bearer/);
    expect(none.text).not.toContain(stored[0]?.id as string);
    const wrong = await request(t.app).get(withQuery(URL)).set('Accept', TAXII).set('Authorization', 'Bearer not-a-token');
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toContain(stored[0]?.id as string);
  });

  test('permission is checked before parameters: a refused request with a bad limit is still 403/404 (§5.4)', async () => {
    expect((await get({ limit: '0' }, 'writer', objectsUrl(FEED))).status).toBe(403);
    expect((await get({ limit: '0' }, 'outsider', URL)).status).toBe(404);
  });
});

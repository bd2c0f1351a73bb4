// Fuzz: hostile query strings and paths on every TAXII endpoint, for every kind
// of caller. Operator injection (match[id][$ne]=x, limit[$gt]=0), repeated and unknown
// parameters, absurd limits, malformed timestamps, encoded slashes and path traversal in
// ids, 8 KB+ URLs. After each case: no 5xx, every 4xx a TAXII error resource, nothing
// from outside the caller's view, no prototype pollution (TAXII 2.1 §3.4, §3.6, §5).
import { propertyRuns } from '../helpers/test-store';
import fc from 'fast-check';
import { FEED, HIDDEN, PARTNER, SHARED } from '../helpers/test-app';
import { manifestAll } from '../helpers/object-api';
import { CALLERS, PAGE_MAX, checkAnswer, checkNoPollution, checkView, makeWorld, send, type Caller, type World } from './fuzz-world';

let w: World;
beforeAll(async () => {
  w = await makeWorld();
});
afterAll(() => w.close());

/** Every TAXII GET endpoint (§4.1, §4.2, §4.3, §5.1–§5.8), with the ids of the world. */
function endpoints(): string[] {
  const id = w.shared[0] as string;
  return [
    '/taxii2/',
    '/hub/',
    `/hub/status/${w.statusId}/`,
    '/hub/collections/',
    `/hub/collections/${SHARED}/`,
    `/hub/collections/${SHARED}/manifest/`,
    `/hub/collections/${SHARED}/objects/`,
    `/hub/collections/${SHARED}/objects/${id}/`,
    `/hub/collections/${SHARED}/objects/${id}/versions/`,
    `/hub/collections/${FEED}/objects/`,
    `/hub/collections/${HIDDEN}/objects/`,
    `/isac/collections/${PARTNER}/manifest/`,
  ];
}

const DELETE_TARGET = `/hub/collections/${SHARED}/objects/indicator--00000000-0000-4000-8000-00000000dead/`;

const KEYS = [
  'match[id]',
  'match[id][$ne]',
  'match[id][$gt]',
  'limit[$gt]',
  'limit[]',
  'match[type]',
  'match[type][$in][]',
  'match[version]',
  'match[spec_version]',
  'match[__proto__]',
  'match[constructor]',
  'match[]',
  'match',
  'match[ID]',
  'match%5Bid%5D',
  'match[id',
  'added_after',
  'added_after[$lt]',
  'limit',
  'next',
  'next[]',
  '__proto__',
  '__proto__[polluted]',
  'constructor[prototype][polluted]',
  '$where',
  'access_token',
  'unknown',
  '',
];

const VALUES = [
  'x',
  '',
  '0',
  '-1',
  '1',
  '3',
  '1000',
  '999999999999999',
  '9999999999999999999999',
  '1e3',
  '0x10',
  '1.5',
  ' 1',
  'NaN',
  'Infinity',
  'null',
  'true',
  '{"$gt":""}',
  '[object Object]',
  'last',
  'first',
  'all',
  'all,last',
  'first,first',
  '2.1',
  '2.1,2.0',
  'indicator',
  'indicator,malware',
  'indicator,,malware',
  'INDICATOR',
  'indicator--00000000-0000-4000-8000-000000000000',
  '2024-01-01T00:00:00Z',
  '2024-01-01T00:00:00.000000Z',
  '2024-01-01T00:00:00.1234567890Z',
  '2024-13-01T00:00:00Z',
  '2024-02-30T00:00:00Z',
  '2024-01-01T24:00:00Z',
  '2024-01-01T00:00:60Z',
  '2024-01-01',
  '2024-01-01T00:00:00+25:00',
  '2024-01-01 00:00:00Z',
  '+002024-01-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999999999Z',
  '%00',
  '%ZZ',
  '%E0%A4%A',
  '%C0%AF',
  '..%2F..%2Ftaxii2',
  '\u0000',
  '💥',
];

const rawOrEncoded = (s: string) => fc.constantFrom(s, encodeURIComponent(s));
const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }).map(encodeURIComponent) });
const value = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...VALUES).chain(rawOrEncoded) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }).map(encodeURIComponent) },
);
/** A query string of 0–6 pairs, some repeated, some without `=`. */
const query = fc
  .array(fc.tuple(key, value, fc.integer({ min: 1, max: 3 }), fc.boolean()), { maxLength: 6 })
  .map((pairs) =>
    pairs
      .flatMap(([k, v, times, bare]) => Array.from({ length: times }, () => (bare && v === '' ? k : `${k}=${v}`)))
      .join('&'),
  );

describe('hostile query strings on every endpoint', () => {
  test('no 5xx, TAXII errors only, nothing outside the view, no pollution', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...endpoints(), DELETE_TARGET), fc.constantFrom(...CALLERS), query, async (path, caller, q) => {
        const url = q === '' ? path : `${path}?${q}`;
        // DELETE (§5.7) on an id the collection does not hold: its query is parsed too, and nothing may go.
        const method = path === DELETE_TARGET ? 'delete' : 'get';
        const a = await send(w.t, method, url, caller);
        checkAnswer(a, `${method.toUpperCase()} ${url} as ${caller}`);
        if (method === 'delete' && a.status === 200) throw new Error(`DELETE of an absent object answered 200: ${url}`);
        checkView(w, caller, a, `GET ${url}`);
        checkNoPollution(`GET ${url}`);
      }),
      { numRuns: propertyRuns(600) },
    );
  });

  test.each([
    ['match[id][$ne]=x'],
    ['limit[$gt]=0'],
    ['match[type][$in][]=indicator'],
    ['added_after[$lt]=2030-01-01T00:00:00Z'],
    ['match%5Bid%5D%5B%24ne%5D=x'],
  ])('operator injection %s is refused or ignored, never read as an operator (§3.4)', async (q) => {
    const a = await send(w.t, 'get', `/hub/collections/${SHARED}/objects/?${q}`, 'member');
    checkAnswer(a, q);
    // A malformed match[…] key is 400; limit[$gt] and added_after[$lt] are unknown
    // parameters, ignored: then the page is an ordinary first page.
    if (q.startsWith('match')) expect(a.status).toBe(400);
    else {
      expect(a.status).toBe(200);
      expect((JSON.parse(a.text) as { objects: unknown[] }).objects).toHaveLength(2);
    }
  });

  test('a repeated parameter is 400 (§3.4: a field occurs once)', async () => {
    for (const q of ['limit=1&limit=2', 'match[type]=indicator&match[type]=malware', 'added_after=2024-01-01T00:00:00Z&added_after=2024-01-01T00:00:00Z', 'next=a&next=b']) {
      const a = await send(w.t, 'get', `/hub/collections/${SHARED}/objects/?${q}`, 'member');
      checkAnswer(a, q);
      expect(a.status).toBe(400);
    }
  });

  test('absurd limits: a huge limit is clamped to the cap, zero, negative and non-numbers are 400', async () => {
    for (const limit of ['999999999999999', '1000000']) {
      const a = await send(w.t, 'get', `/hub/collections/${SHARED}/objects/?limit=${limit}`, 'member');
      checkAnswer(a, limit);
      expect(a.status).toBe(200);
      const body = JSON.parse(a.text) as { more: boolean; objects: unknown[] };
      expect(body.objects).toHaveLength(PAGE_MAX);
      expect(body.more).toBe(true);
    }
    for (const limit of ['0', '-1', '1e3', '0x10', '1.5', '9999999999999999999999', '', 'NaN']) {
      const a = await send(w.t, 'get', `/hub/collections/${SHARED}/manifest/?limit=${encodeURIComponent(limit)}`, 'member');
      checkAnswer(a, `limit=${limit}`);
      expect(a.status).toBe(400);
    }
  });

  test('malformed timestamps in added_after and match[version] are 400', async () => {
    const bad = ['2024-13-01T00:00:00Z', '2024-02-30T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T00:00:60Z', '2024-01-01', '2024-01-01 00:00:00Z', '+002024-01-01T00:00:00Z', 'yesterday', '1704067200'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...bad), fc.constantFrom('added_after', 'match[version]'), fc.constantFrom('objects/', 'manifest/', `objects/${w.shared[0] as string}/`), async (ts, name, tail) => {
        const a = await send(w.t, 'get', `/hub/collections/${SHARED}/${tail}?${name}=${encodeURIComponent(ts)}`, 'member');
        checkAnswer(a, `${name}=${ts}`);
        expect(a.status).toBe(400);
      }),
      { numRuns: propertyRuns(60) },
    );
  });
});

describe('hostile ids and paths', () => {
  const traversal = [
    '..',
    '.',
    '%2e%2e',
    '..%2F..%2Ftaxii2',
    '%2e%2e%2f%2e%2e%2f',
    '..%5C..%5C',
    `${SHARED}%2F..%2F${HIDDEN}`,
    `${HIDDEN}%2F`,
    '%2F',
    '%00',
    'indicator--%00',
    '%',
    '%E0%A4%A',
    '%C0%AF',
    '%FF%FE',
    'shared%2Fobjects',
    '*',
    "indicator--1' OR '1'='1",
    'a'.repeat(300),
    '%F0%9F%92%A5',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    '__defineGetter__',
  ].map((s) => (s.includes('%') || s.includes("'") ? s.replace(/'/g, '%27').replace(/ /g, '%20') : s));

  test('every segment of every endpoint takes traversal and encoded slashes without a 5xx or a leak', async () => {
    const id = w.shared[0] as string;
    const templates: Array<(x: string) => string> = [
      (x) => `/${x}/`,
      (x) => `/${x}/collections/`,
      (x) => `/hub/status/${x}/`,
      (x) => `/hub/collections/${x}/`,
      (x) => `/hub/collections/${x}/objects/`,
      (x) => `/hub/collections/${x}/manifest/`,
      (x) => `/hub/collections/${SHARED}/objects/${x}/`,
      (x) => `/hub/collections/${SHARED}/objects/${x}/versions/`,
      (x) => `/hub/collections/${SHARED}/objects/${id}/${x}/`,
      (x) => `/${x}/collections/${SHARED}/objects/${id}/`,
    ];
    const segment = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...traversal) },
      { weight: 1, arbitrary: fc.constantFrom(...w.hiddenFromMembers) },
      { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 30 }).map(encodeURIComponent) },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...templates), segment, fc.constantFrom<Caller>('member', 'reader', 'nobody', 'admin'), fc.constantFrom('get' as const, 'delete' as const), async (tpl, x, caller, method) => {
        const url = tpl(x);
        const a = await send(w.t, method, url, caller);
        checkAnswer(a, `${method.toUpperCase()} ${url} as ${caller}`);
        checkView(w, caller, a, url);
        // A DELETE through a crafted path never removes anything of SHARED's seed but the
        // object it names exactly (and only when the caller may: admin or member).
        if (method === 'delete' && a.status === 200) {
          expect(['admin', 'member']).toContain(caller);
        }
      }),
      { numRuns: propertyRuns(400) },
    );
    // Crafted paths deleted nothing: the seed of every collection is intact.
    const present = new Set((await manifestAll(w.t, SHARED)).map((o) => o.id));
    for (const id of w.shared) expect(present.has(id)).toBe(true);
    const hidden = await send(w.t, 'get', `/hub/collections/${HIDDEN}/objects/${w.hiddenFromMembers[0] as string}/`, 'admin');
    expect(hidden.status).toBe(200);
  });

  test("another collection's object id through this collection's path is 404 (§5.6)", async () => {
    for (const hidden of w.hiddenFromMembers) {
      for (const tail of ['', 'versions/']) {
        const a = await send(w.t, 'get', `/hub/collections/${SHARED}/objects/${hidden}/${tail}`, 'member');
        checkAnswer(a, hidden);
        expect(a.status).toBe(404);
      }
    }
  });

  test('long URLs: served up to server.max_url_bytes (8 KB by default), a TAXII 414 beyond, never a 5xx', async () => {
    for (const [size, status] of [
      [7 * 1024, 200],
      [8 * 1024, 414],
      [9 * 1024, 414],
      [12 * 1024, 414],
    ] as const) {
      const ids = Array.from({ length: Math.ceil(size / 48) }, (_, i) => `indicator--${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`).join(',');
      const url = `/hub/collections/${SHARED}/objects/?match[id]=${ids}`;
      expect(url.length).toBeGreaterThanOrEqual(size);
      const a = await send(w.t, 'get', url, 'member');
      checkAnswer(a, `GET of ${url.length} characters`);
      expect(a.status).toBe(url.length > 8192 ? 414 : status);
      const junk = `/hub/collections/${SHARED}/objects/?x=${'A'.repeat(size)}`;
      const b = await send(w.t, 'get', junk, 'member');
      checkAnswer(b, `GET of ${junk.length} characters`);
      expect(b.status).toBe(junk.length > 8192 ? 414 : 200);
    }
  });
});

describe('forged and foreign next cursors (§3.4, App. B)', () => {
  async function cursorOf(path: string, caller: Caller, q = ''): Promise<string> {
    const a = await send(w.t, 'get', `${path}?limit=1${q}`, caller);
    expect(a.status).toBe(200);
    const body = JSON.parse(a.text) as { more: boolean; next?: string };
    expect(body.more).toBe(true);
    return body.next as string;
  }

  test('a cursor works where it was issued, and nowhere else', async () => {
    const objects = `/hub/collections/${SHARED}/objects/`;
    const cursor = await cursorOf(objects, 'member');
    const ok = await send(w.t, 'get', `${objects}?limit=1&next=${encodeURIComponent(cursor)}`, 'member');
    expect(ok.status).toBe(200);

    const elsewhere: Array<[string, Caller]> = [
      [`${objects}?next=${encodeURIComponent(cursor)}`, 'reader'], // another member
      [`${objects}?next=${encodeURIComponent(cursor)}`, 'admin'], // another principal
      [`/hub/collections/${FEED}/objects/?next=${encodeURIComponent(cursor)}`, 'member'], // another collection
      [`/hub/collections/${SHARED}/manifest/?next=${encodeURIComponent(cursor)}`, 'member'], // another endpoint
      [`${objects}?match[type]=indicator&next=${encodeURIComponent(cursor)}`, 'member'], // other filters
      [`${objects}?added_after=2000-01-01T00:00:00Z&next=${encodeURIComponent(cursor)}`, 'member'],
      [`/hub/collections/${SHARED}/objects/${w.shared[0] as string}/versions/?next=${encodeURIComponent(cursor)}`, 'member'],
      [`/isac/collections/${PARTNER}/objects/?next=${encodeURIComponent(cursor)}`, 'outsider'],
    ];
    for (const [url, caller] of elsewhere) {
      const a = await send(w.t, 'get', url, caller);
      checkAnswer(a, url);
      expect([url, a.status]).toEqual([url, 400]);
    }
    // Cursors of other collections, endpoints and members do not open SHARED's objects either.
    const foreign = [
      await cursorOf(`/isac/collections/${PARTNER}/objects/`, 'outsider'),
      await cursorOf(`/hub/collections/${FEED}/objects/`, 'member'),
      await cursorOf(`/hub/collections/${SHARED}/manifest/`, 'member'),
      await cursorOf(objects, 'reader'),
    ];
    for (const c of foreign) {
      const a = await send(w.t, 'get', `${objects}?next=${encodeURIComponent(c)}`, 'member');
      checkAnswer(a, `foreign cursor ${c}`);
      expect(a.status).toBe(400);
    }
  });

  test('an edited or invented cursor is refused with 400', async () => {
    const objects = `/hub/collections/${SHARED}/objects/`;
    const cursor = await cursorOf(objects, 'member');
    const edited = fc
      .tuple(fc.nat({ max: cursor.length - 1 }), fc.constantFrom(...'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_.'))
      .map(([i, c]) => cursor.slice(0, i) + c + cursor.slice(i + 1))
      .filter((c) => c !== cursor);
    const invented = fc.oneof(
      fc.string({ minLength: 1, maxLength: 60 }),
      fc.stringMatching(/^[0-9a-z]{1,12}\.[A-Za-z0-9_-]{22}$/),
      fc.constantFrom('0', '0.AAAAAAAAAAAAAAAAAAAAAA', '{"$gt":0}', 'null', '-1', 'zzzzzzzzzzzz.AAAAAAAAAAAAAAAAAAAAAA'),
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(edited, invented), async (forged) => {
        const a = await send(w.t, 'get', `${objects}?next=${encodeURIComponent(forged)}`, 'member');
        checkAnswer(a, `next=${forged}`);
        expect(a.status).toBe(400);
      }),
      { numRuns: propertyRuns(150) },
    );
  });
});

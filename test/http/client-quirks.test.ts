// What real TAXII 2.1 clients send (../shared/design/CLIENT-QUIRKS.md, docs/clients.md),
// replayed request by request with the clients' own header shapes against the real app:
// lower-case `basic`, Content-Type on GET, `Accept: application/json, text/plain, */*`,
// `added_after` with milliseconds or no fraction, clients that resume from
// X-TAXII-Date-Added-Last instead of `next`, clients that never follow `next`, and the
// `Token` scheme of taxii2-client's TokenAuth. Each case names the client it replays.
import request from 'supertest';
import {
  PASSWORDS,
  ROOT,
  SHARED,
  TAXII,
  TOKENS,
  makeTestApp,
  objectsUrl,
  testConfigObject,
  type TestApp,
} from '../helpers/test-app';
import { indicator } from '../helpers/stix-fixtures';
import { seed, type Body } from '../helpers/object-api';

const OBJECTS = objectsUrl(SHARED);
const FIRST = 'x-taxii-date-added-first';
const LAST = 'x-taxii-date-added-last';
const SIX_DIGITS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const basic = (scheme = 'Basic') =>
  `${scheme} ${Buffer.from(`${PASSWORDS.member.username}:${PASSWORDS.member.password}`).toString('base64')}`;
const bearer = `Bearer ${TOKENS.member}`;

interface Page {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: Body;
}

/** One GET with exactly these headers (supertest adds none of its own but User-Agent/Host). */
async function send(url: string, headers: Record<string, string>): Promise<Page> {
  const req = request(t.app).get(url);
  for (const [k, v] of Object.entries(headers)) req.set(k, v);
  const res = await req;
  return {
    status: res.status,
    headers: res.headers as Record<string, string>,
    text: res.text,
    body: res.text ? (JSON.parse(res.text) as Body) : {},
  };
}

const idsOf = (p: Page): string[] => (p.body.objects ?? []).map((o) => o.id);
const q = (params: Record<string, string | undefined>): string =>
  Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(v as string)}`)
    .join('&');

/** A 6-digit TAXII timestamp cut to `digits` fraction digits (0: none), as clients format it. */
function cut(stamp: string, digits: number): string {
  const m = /^(.{19})\.(\d{6})Z$/.exec(stamp);
  if (!m) throw new Error(`not a 6-digit timestamp: ${stamp}`);
  return digits === 0 ? `${m[1]}Z` : `${m[1]}.${(m[2] as string).slice(0, digits)}Z`;
}

let t: TestApp;
let published: string[];
/** date_added of each published object, in order (from the manifest). */
let added: string[];

beforeAll(async () => {
  t = await makeTestApp({ config: testConfigObject({ taxii: { page_size_default: 10, page_size_max: 20 } }) });
  const objects = Array.from({ length: 45 }, (_, i) => indicator({ name: `quirk ${i}` }));
  // Three POSTs, so that date_added values spread over more than one millisecond.
  for (let i = 0; i < objects.length; i += 15) await seed(t, OBJECTS, objects.slice(i, i + 15));
  published = objects.map((o) => o.id as string);
  added = [];
  let next: string | undefined;
  do {
    const r = await send(`/${ROOT}/collections/${SHARED}/manifest/?${q({ limit: '20', next })}`, { Authorization: bearer, Accept: TAXII });
    added.push(...(r.body.objects ?? []).map((o) => o.date_added as string));
    next = r.body.more ? r.body.next : undefined;
  } while (next);
  expect(added).toHaveLength(45);
});
afterAll(() => t.close());

describe('MISP (taxii21 module, TAXII push): lower-case basic, Content-Type on GET, limit=50 and an empty next', () => {
  const misp = { Authorization: basic('basic'), Accept: TAXII, 'Content-Type': TAXII };

  test.each(['/taxii2/', `/${ROOT}/`, `/${ROOT}/collections/`, `/${ROOT}/collections/${SHARED}/`])(
    'GET %s with `Authorization: basic …` and Content-Type: application/taxii+json → 200 (TAXII 2.1 §1.6.9 Basic; RFC 7235 schemes are case-insensitive)',
    async (url) => {
      const r = await send(url, misp);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe(TAXII);
    },
  );

  test('the push reads max_content_length from the API root (§4.2.1) before splitting envelopes', async () => {
    const r = await send(`/${ROOT}/`, misp);
    expect(r.body).toMatchObject({ max_content_length: 1_000_000 });
  });

  test('browsing with limit=50 and an empty next= → capped at page_size_max (20), more: true, then follows next to the end: every object once (§3.4, §3.5)', async () => {
    const seen: string[] = [];
    let next = '';
    for (let page = 0; page < 10; page++) {
      const r = await send(`${OBJECTS}?limit=50&next=${encodeURIComponent(next)}`, misp);
      expect(r.status).toBe(200);
      expect(r.body.objects?.length).toBeLessThanOrEqual(20);
      seen.push(...idsOf(r));
      if (!r.body.more) break;
      expect(typeof r.body.next).toBe('string');
      next = r.body.next as string;
    }
    expect(seen).toEqual(published);
  });

  test('POST an envelope with lower-case basic → 202 complete; MISP does not poll, it logs failures from this status (§5.5, §4.3.1)', async () => {
    const good = indicator();
    const bad = indicator({ valid_until: '2000-01-01T00:00:00Z' });
    const res = await request(t.app)
      .post(OBJECTS)
      .set('Authorization', basic('basic'))
      .set('Accept', TAXII)
      .set('Content-Type', TAXII)
      .send(JSON.stringify({ objects: [good, bad] }));
    expect(res.status).toBe(202);
    const status = JSON.parse(res.text) as Body;
    expect(status).toMatchObject({ status: 'complete', total_count: 2, success_count: 1, failure_count: 1, pending_count: 0 });
    expect(status.failures?.[0]?.id).toBe(bad.id);
    // Leave the collection as the other cases expect it.
    await request(t.app).delete(`${OBJECTS}${good.id as string}/`).set('Authorization', bearer).set('Accept', TAXII).expect(200);
  });

  test.each(['BASIC', 'bAsIc'])('scheme %s → 200 as well', async (scheme) => {
    expect((await send('/taxii2/', { ...misp, Authorization: basic(scheme) })).status).toBe(200);
  });
});

describe('Elastic ti_custom: Content-Type on GET, added_after with six fraction digits (older releases: milliseconds)', () => {
  test.each([
    ['application/json', 6],
    ['application/json', 3],
    ['application/taxii+json;version=2.1', 6],
    ['text/plain', 0],
    ['application/x-www-form-urlencoded', 6],
  ])('GET objects with Content-Type: %s and a %i-digit added_after → 200, never 415 (Content-Type on GET is ignored)', async (contentType, digits) => {
    const after = cut(added[29] as string, digits);
    const r = await send(`${OBJECTS}?${q({ added_after: after, limit: '20' })}`, {
      Authorization: bearer,
      Accept: TAXII,
      'Content-Type': contentType,
    });
    expect(r.status).toBe(200);
    // Strictly after (§3.4): everything whose date_added is later than the value sent.
    const expected = published.filter((_, i) => (added[i] as string) > toSix(after));
    expect(idsOf(r)).toEqual(expected.slice(0, 20));
  });
});

/** A 0–9 digit `…Z` timestamp as a 6-digit one, rounded down (what strictly-after compares against). */
function toSix(stamp: string): string {
  const m = /^(.{19})(?:\.(\d+))?Z$/.exec(stamp);
  if (!m) throw new Error(stamp);
  return `${m[1]}.${`${m[2] ?? ''}000000`.slice(0, 6)}Z`;
}

describe('taxii2-client / stix2: added_after with trailing zeros stripped, Token scheme', () => {
  test.each([0, 1, 3, 5, 6])('added_after with %i fraction digits → 200 with exactly the objects added strictly after it (§3.4)', async (digits) => {
    const after = cut(added[10] as string, digits);
    const seen: string[] = [];
    let next: string | undefined;
    do {
      const r = await send(`${OBJECTS}?${q({ added_after: after, limit: '20', next })}`, { Authorization: bearer, Accept: TAXII });
      expect(r.status).toBe(200);
      seen.push(...idsOf(r));
      next = r.body.more ? r.body.next : undefined;
    } while (next);
    expect(seen).toEqual(published.filter((_, i) => (added[i] as string) > toSix(after)));
  });

  test('`Authorization: Token <token>` (taxii2client.common.TokenAuth) → 200, the same principal as Bearer', async () => {
    const byToken = await send(OBJECTS, { Authorization: `Token ${TOKENS.member}`, Accept: TAXII });
    const byBearer = await send(OBJECTS, { Authorization: bearer, Accept: TAXII });
    expect(byToken.status).toBe(200);
    expect(idsOf(byToken)).toEqual(idsOf(byBearer));
    expect((await send('/taxii2/', { Authorization: `token ${TOKENS.reader}`, Accept: TAXII })).status).toBe(200);
  });

  test.each([`Token ${TOKENS.member}x`, 'Token ', `Token ${TOKENS.member} extra`, `Tokens ${TOKENS.member}`])(
    '`Authorization: %s` → 401 with the challenge (§3.6)',
    async (header) => {
      const r = await send('/taxii2/', { Authorization: header, Accept: TAXII });
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Basic realm="Concord", Bearer realm="Concord"');
    },
  );

  test('a reader credential sent with the Token scheme still cannot write (403 on POST)', async () => {
    const res = await request(t.app)
      .post(OBJECTS)
      .set('Authorization', `Token ${TOKENS.reader}`)
      .set('Accept', TAXII)
      .set('Content-Type', TAXII)
      .send(JSON.stringify({ objects: [indicator()] }));
    expect(res.status).toBe(403);
  });
});

describe('OpenCTI TAXII feed ingester: Accept: application/json, text/plain, */*; next with the original added_after, then X-TAXII-Date-Added-Last cut to milliseconds', () => {
  const opencti = { Authorization: bearer, Accept: 'application/json, text/plain, */*' };

  test('Accept: application/json, text/plain, */* → 200 with Content-Type application/taxii+json;version=2.1 (§1.6.8), never 406', async () => {
    for (const url of ['/taxii2/', `/${ROOT}/collections/`, OBJECTS]) {
      const r = await send(url, opencti);
      expect([url, r.status]).toEqual([url, 200]);
      expect(r.headers['content-type']).toBe(TAXII);
    }
  });

  /** One ingester run: GET with added_after, then `next` with the same added_after while more && next. */
  async function run(addedAfter: string): Promise<{ ids: string[]; last: string | undefined }> {
    const seen: string[] = [];
    let next: string | undefined;
    let last: string | undefined;
    for (let page = 0; page < 20; page++) {
      const r = await send(`${OBJECTS}?${q({ added_after: addedAfter, next })}`, opencti);
      expect(r.status).toBe(200);
      seen.push(...idsOf(r));
      expect(r.headers[LAST]).toMatch(SIX_DIGITS);
      last = r.headers[LAST];
      if (!(r.body.more && r.body.next)) break;
      next = r.body.next;
    }
    return { ids: seen, last };
  }

  test('a run follows next with the original added_after; the next run resumes from the last header cut to ms: every new object arrives, only same-millisecond ones come twice (§3.5)', async () => {
    const start = cut(added[4] as string, 3);
    const first = await run(start);
    expect(first.ids).toEqual(published.filter((_, i) => (added[i] as string) > toSix(start)));
    expect(first.last).toBe(added[44]);

    // More objects arrive; the next run starts from X-TAXII-Date-Added-Last, truncated to ms.
    const later = Array.from({ length: 3 }, () => indicator());
    await seed(t, OBJECTS, later, 'member');
    try {
      const resume = cut(first.last as string, 3);
      const second = await run(resume);
      expect(second.ids.slice(-3)).toEqual(later.map((o) => o.id));
      // What came again: exactly the old objects added in the last object's millisecond.
      const again = second.ids.slice(0, -3);
      expect(again).toEqual(published.filter((_, i) => (added[i] as string) > toSix(resume)));
      expect(again).toContain(published[44]);
    } finally {
      for (const o of later) await request(t.app).delete(`${OBJECTS}${o.id as string}/`).set('Authorization', bearer).set('Accept', TAXII).expect(200);
    }
  });

  test('an empty page still carries both headers, at the point reached (its added_after, in the 6-digit form), so a resuming client does not fall back to "now" (§3.2)', async () => {
    for (const value of ['2999-01-01T00:00:00.123Z', '2999-01-01T00:00:00Z', cut(added[44] as string, 6)]) {
      const r = await send(`${OBJECTS}?${q({ added_after: value })}`, opencti);
      expect(r.status).toBe(200);
      expect(r.text).toBe('{}');
      expect(r.headers[FIRST]).toBe(toSix(value));
      expect(r.headers[LAST]).toBe(toSix(value));
    }
  });
});

describe('clients that never follow next (stix2 query before 3.0, Sentinel-style pollers): added_after polling alone reaches everything', () => {
  test('no limit → page_size_default (10) with more: true; polling again with added_after = X-TAXII-Date-Added-Last reaches every object once (§3.5)', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    for (let poll = 0; poll < 10; poll++) {
      const r = await send(`${OBJECTS}?${q({ added_after: after })}`, { Authorization: basic(), Accept: TAXII });
      expect(r.status).toBe(200);
      if (poll === 0) {
        expect(r.body.objects).toHaveLength(10);
        expect(r.body.more).toBe(true);
      }
      seen.push(...idsOf(r));
      if (!r.body.more) break;
      after = r.headers[LAST];
    }
    expect(seen).toEqual(published);
  });

  test('a huge limit (15,000, as some SIEM connectors send) → 200 capped at page_size_max, not 400 (§3.4)', async () => {
    const r = await send(`${OBJECTS}?limit=15000`, { Authorization: basic(), Accept: TAXII });
    expect(r.status).toBe(200);
    expect(r.body.objects).toHaveLength(20);
    expect(r.body.more).toBe(true);
  });

  test('the same poll repeated with the same added_after → the same page (a client that ignores next is not moved on, nor stuck on a moving answer)', async () => {
    const url = `${OBJECTS}?${q({ added_after: added[2] as string })}`;
    const a = await send(url, { Authorization: basic(), Accept: TAXII });
    const b = await send(url, { Authorization: basic(), Accept: TAXII });
    expect(idsOf(a)).toEqual(idsOf(b));
    expect(idsOf(a)).toEqual(published.slice(3, 13));
  });
});

describe('Microsoft Sentinel: API root URL + collection id, Basic only, no discovery', () => {
  test('GET {api root}/collections/{uuid4}/objects/?added_after=… with Basic → 200 (the only requests it makes)', async () => {
    expect(SHARED).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const lookBack = cut(added[0] as string, 0);
    const r = await send(`/${ROOT}/collections/${SHARED}/objects/?added_after=${lookBack}`, {
      Authorization: basic(),
      Accept: 'application/taxii+json;version=2.1',
    });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(TAXII);
    expect(r.body.objects?.length).toBeGreaterThan(0);
  });
});

describe('curl: -u user:pass, Accept: */*', () => {
  test('GET discovery and objects with curl\'s default headers → 200 TAXII JSON', async () => {
    for (const url of ['/taxii2/', OBJECTS]) {
      const r = await send(url, { Authorization: basic(), Accept: '*/*', 'User-Agent': 'curl/8.5.0' });
      expect([url, r.status]).toEqual([url, 200]);
      expect(r.headers['content-type']).toBe(TAXII);
    }
  });

  test('no credentials → 401 with WWW-Authenticate, never a redirect to a login page', async () => {
    const r = await send(OBJECTS, { Accept: '*/*' });
    expect(r.status).toBe(401);
    expect(r.headers.location).toBeUndefined();
    expect(r.headers['www-authenticate']).toContain('Basic');
  });
});

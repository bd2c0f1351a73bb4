// POST {api-root}/collections/{id}/objects/ — TAXII 2.1 §5.5 Add Objects, answered with
// the status resource of §4.3.1.
import request from 'supertest';
import { v4 as uuidv4 } from 'uuid';
import {
  FEED,
  HIDDEN,
  OTHER_ROOT,
  PARTNER,
  ROOT,
  SHARED,
  TAXII,
  auth,
  makeTestApp,
  objectsUrl,
  versionsUrl,
  type TestApp,
  type Who,
} from '../helpers/test-app';
import { indicator, ipv4, malware, versionsOf } from '../helpers/stix-fixtures';
import {
  TAXII_TIMESTAMP,
  UUID,
  getJson,
  manifestAll,
  postEnvelope,
  type Reply,
} from '../helpers/object-api';

const URL = objectsUrl(SHARED);

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(() => t.close());

const post = (body: unknown, who: Who | null = 'member', url = URL, contentType = TAXII): Promise<Reply> =>
  postEnvelope(t, who, url, body, contentType);

function expectTaxiiError(r: Reply, status: number): void {
  expect(r.status).toBe(status);
  expect(r.headers['content-type']).toBe(TAXII);
  expect(r.body.http_status).toBe(String(status));
  expect(typeof r.body.title).toBe('string');
}

/** §4.3.1: a complete status whose counts agree with its lists. */
function expectCompleteStatus(r: Reply, counts: { total: number; success: number; failure: number }): void {
  expect(r.status).toBe(202);
  expect(r.headers['content-type']).toBe(TAXII);
  const s = r.body;
  expect(s.id).toMatch(UUID);
  expect(s.status).toBe('complete');
  expect(s.request_timestamp).toMatch(TAXII_TIMESTAMP);
  expect(s.total_count).toBe(counts.total);
  expect(s.success_count).toBe(counts.success);
  expect(s.failure_count).toBe(counts.failure);
  expect(s.pending_count).toBe(0);
  expect(s.successes ?? []).toHaveLength(counts.success);
  expect(s.failures ?? []).toHaveLength(counts.failure);
  expect(s.pendings ?? []).toHaveLength(0);
  expect((s.success_count ?? 0) + (s.failure_count ?? 0) + (s.pending_count ?? 0)).toBe(s.total_count);
}

async function storedIds(collection = SHARED): Promise<string[]> {
  return (await manifestAll(t, collection)).map((m) => m.id);
}

describe('§5.5 202 and the status resource (§4.3.1)', () => {
  test('POST an envelope → 202 with a complete status: UUID id, request_timestamp, consistent counts, successes with id and version (§5.5, §4.3.1)', async () => {
    const a = indicator();
    const b = malware({ modified: '2024-02-03T04:05:06.789Z' });
    const c = ipv4();
    const r = await post({ objects: [a, b, c] });
    expectCompleteStatus(r, { total: 3, success: 3, failure: 0 });
    expect(r.body.successes?.map((s) => s.id)).toEqual([a.id, b.id, c.id]);
    expect(r.body.successes?.[0]?.version).toBe(a.modified);
    expect(r.body.successes?.[1]?.version).toBe('2024-02-03T04:05:06.789Z');
    expect(typeof r.body.successes?.[2]?.version).toBe('string');
    for (const s of r.body.successes ?? []) expect(s.message).toBeUndefined();
    expect((await getJson(t, 'member', URL)).body.objects).toEqual([a, b, c]);
  });

  test('202: request_timestamp is not after the date_added of what the request stored (§4.3.1)', async () => {
    const r = await post({ objects: [indicator()] });
    const [m] = await manifestAll(t, SHARED);
    expect((r.body.request_timestamp as string) <= (m?.date_added as string)).toBe(true);
  });

  test('the status of a 202 reads back → 200 at {api-root}/status/{id}/ for the poster (§4.3)', async () => {
    const r = await post({ objects: [indicator()] });
    const s = await getJson(t, 'member', `/${ROOT}/status/${r.body.id as string}/`);
    expect(s.status).toBe(200);
    expect(s.body).toEqual(r.body);
  });

  test('a STIX bundle {type: bundle, id: bundle--<uuid>, objects} → 202 in place of an envelope (§5.5)', async () => {
    const a = indicator();
    const b = malware();
    const r = await post({ type: 'bundle', id: `bundle--${uuidv4()}`, objects: [a, b] });
    expectCompleteStatus(r, { total: 2, success: 2, failure: 0 });
    expect((await getJson(t, 'member', URL)).body.objects).toEqual([a, b]);
  });

  test('an object with created but no modified → 202, versioned by created (§5.3.1, §3.4.1)', async () => {
    const marking = {
      type: 'marking-definition',
      spec_version: '2.1',
      id: `marking-definition--${uuidv4()}`,
      created: '2023-04-05T06:07:08.9000Z',
      definition_type: 'statement',
      definition: { statement: 'Copyright Example' },
    };
    const r = await post({ objects: [marking] });
    expect(r.body.successes?.[0]?.version).toBe('2023-04-05T06:07:08.9000Z');
    const [m] = await manifestAll(t, SHARED);
    expect(m?.version).toBe('2023-04-05T06:07:08.9000Z');
  });
});

describe('§5.5 an envelope with bad objects: the good ones are stored, the bad ones are failures', () => {
  test('mixed envelope → 202; each failure names the object (its id, or objects[i]) and the offending property; GET shows only the good ones (§5.5, §4.3.1)', async () => {
    const good1 = indicator();
    const good2 = malware();
    const uuid = () => uuidv4();
    const prefixMismatch = { ...malware(), id: `indicator--${uuid()}` };
    const badId = { ...indicator(), id: 'indicator--not-a-uuid' };
    const upperId = { ...indicator(), id: `indicator--${uuid().toUpperCase()}` };
    const specVersion20 = indicator({ spec_version: '2.0' });
    const badModified = indicator({ modified: '2024-13-45T00:00:00Z' });
    const badCreated = malware({ created: 'last tuesday' });
    const noType = (({ type: _type, ...rest }) => rest)(indicator());
    const noId = (({ id: _id, ...rest }) => rest)(indicator());
    const objects: unknown[] = [
      good1,
      'not an object',
      noId,
      prefixMismatch,
      badId,
      specVersion20,
      badModified,
      null,
      [indicator()],
      42,
      badCreated,
      noType,
      upperId,
      good2,
    ];
    const r = await post({ objects });
    // Upper-case hex is still an RFC 4122 UUID (STIX 2.1 §2.9): accepted, with a warning.
    expectCompleteStatus(r, { total: objects.length, success: 3, failure: objects.length - 3 });
    expect(r.body.successes?.map((s) => s.id)).toEqual([good1.id, upperId.id, good2.id]);
    expect(r.body.successes?.[1]?.message).toMatch(/accepted with warnings/);

    const failure = (id: string) => {
      const f = r.body.failures?.find((x) => x.id === id);
      if (!f) throw new Error(`no failure for ${id}: ${JSON.stringify(r.body.failures)}`);
      expect(typeof f.version).toBe('string');
      return f.message as string;
    };
    expect(failure('objects[1]')).toContain('objects[1]');
    expect(failure('objects[2]')).toMatch(/objects\[2\].*\bid\b/);
    expect(failure(prefixMismatch.id)).toContain(prefixMismatch.id);
    expect(failure(prefixMismatch.id)).toMatch(/\bid\b/);
    expect(failure(prefixMismatch.id)).toContain('malware');
    expect(failure(badId.id as string)).toContain('indicator--not-a-uuid');
    expect(failure(badId.id as string)).toMatch(/\bid\b/);
    expect(failure(specVersion20.id as string)).toContain(specVersion20.id as string);
    expect(failure(specVersion20.id as string)).toContain('spec_version');
    expect(failure(badModified.id as string)).toContain(badModified.id as string);
    expect(failure(badModified.id as string)).toContain('modified');
    expect(failure('objects[7]')).toContain('objects[7]');
    expect(failure('objects[8]')).toContain('objects[8]');
    expect(failure('objects[9]')).toContain('objects[9]');
    expect(failure(badCreated.id as string)).toContain('created');
    expect(failure(noType.id as string)).toContain('type');
    // The failure versions state what the object said, where it said anything.
    expect(r.body.failures?.find((x) => x.id === specVersion20.id)?.version).toBe(specVersion20.modified);

    const get = await getJson(t, 'admin', URL, { 'match[version]': 'all' });
    expect(get.body.objects).toEqual([good1, upperId, good2]);
  });

  test('an envelope of only bad objects → 202 with only failures, nothing stored (§5.5)', async () => {
    const r = await post({ objects: [{ type: 'indicator' }, 'x'] });
    expectCompleteStatus(r, { total: 2, success: 0, failure: 2 });
    expect(await storedIds()).toEqual([]);
  });
});

describe('§5.5 duplicates and versions', () => {
  test('an exact duplicate → 202 with a success, never an error (§5.5); its message says duplicate; no new version is added', async () => {
    const a = indicator();
    const first = await post({ objects: [a] });
    expectCompleteStatus(first, { total: 1, success: 1, failure: 0 });
    const again = await post({ objects: [a] });
    expectCompleteStatus(again, { total: 1, success: 1, failure: 0 });
    expect(again.body.successes?.[0]).toMatchObject({ id: a.id, version: a.modified });
    expect(again.body.successes?.[0]?.message).toMatch(/duplicate/i);
    const v = await getJson(t, 'member', versionsUrl(SHARED, a.id as string));
    expect(v.body).toEqual({ more: false, versions: [a.modified] });
    expect(await storedIds()).toEqual([a.id]);
  });

  test('the same version twice in one envelope → 202: one stored, the second reported as a duplicate (§5.5)', async () => {
    const a = indicator();
    const r = await post({ objects: [a, a] });
    expectCompleteStatus(r, { total: 2, success: 2, failure: 0 });
    expect(r.body.successes?.[0]?.message).toBeUndefined();
    expect(r.body.successes?.[1]?.message).toMatch(/duplicate/i);
    expect(await storedIds()).toEqual([a.id]);
  });

  test('a modified that is the same instant written with other fraction digits → 202, the same version (duplicate) (§5.5)', async () => {
    const a = indicator({ modified: '2024-05-05T05:05:05.100Z' });
    await post({ objects: [a] });
    const r = await post({ objects: [{ ...a, modified: '2024-05-05T05:05:05.1000Z' }] });
    expect(r.body.successes?.[0]?.message).toMatch(/duplicate/i);
    expect(r.body.successes?.[0]?.version).toBe('2024-05-05T05:05:05.100Z');
    expect((await getJson(t, 'member', versionsUrl(SHARED, a.id as string))).body.versions).toEqual(['2024-05-05T05:05:05.100Z']);
  });

  test('a later modified → 202 and adds a version; GET returns the latest by default (§5.5, §3.4.1 last)', async () => {
    const [v0, v1] = versionsOf(indicator(), 2);
    await post({ objects: [v0] });
    const r = await post({ objects: [v1] });
    expect(r.body.successes?.[0]).toEqual({ id: v1?.id, version: v1?.modified });
    expect((await getJson(t, 'member', versionsUrl(SHARED, v0?.id as string))).body.versions).toEqual([v0?.modified, v1?.modified]);
    expect((await getJson(t, 'member', URL)).body.objects).toEqual([v1]);
  });

  test('an older version posted after a newer one → 202, stored, but does not become last (§5.5, §3.4.1)', async () => {
    const [v0, v1, v2] = versionsOf(indicator(), 3);
    await post({ objects: [v2] });
    await post({ objects: [v0] });
    await post({ objects: [v1] });
    expect((await getJson(t, 'member', URL)).body.objects).toEqual([v2]);
    expect((await getJson(t, 'member', URL, { 'match[version]': 'first' })).body.objects).toEqual([v0]);
    expect((await getJson(t, 'member', URL, { 'match[version]': 'all' })).body.objects).toEqual([v2, v0, v1]);
    expect((await getJson(t, 'member', versionsUrl(SHARED, v0?.id as string))).body.versions).toEqual([v2?.modified, v0?.modified, v1?.modified]);
  });

  test('an unversioned SCO (no created/modified) posted again → 202, a duplicate with the same version (§5.5, §5.3.1)', async () => {
    const sco = ipv4('203.0.113.9');
    const first = await post({ objects: [sco] });
    const version = first.body.successes?.[0]?.version as string;
    expect(typeof version).toBe('string');
    expect(version.length).toBeGreaterThan(0);
    const again = await post({ objects: [sco] });
    expectCompleteStatus(again, { total: 1, success: 1, failure: 0 });
    expect(again.body.successes?.[0]?.version).toBe(version);
    expect(again.body.successes?.[0]?.message).toMatch(/duplicate/i);
    expect((await getJson(t, 'member', versionsUrl(SHARED, sco.id as string))).body).toEqual({ more: false, versions: [version] });
    expect(await storedIds()).toEqual([sco.id]);
  });
});

describe('§5.5 envelope shape', () => {
  test('the empty envelope {} → 202 with total_count 0 (§3.7: an empty envelope has no objects)', async () => {
    expectCompleteStatus(await post({}), { total: 0, success: 0, failure: 0 });
    expectCompleteStatus(await post({ objects: [] }), { total: 0, success: 0, failure: 0 });
    expect(await storedIds()).toEqual([]);
  });

  test('a body that is a STIX object, not an envelope or bundle → 422 (§5.5: clients MUST deliver objects in an envelope)', async () => {
    const r = await post(indicator());
    expectTaxiiError(r, 422);
    expect(await storedIds()).toEqual([]);
  });

  test.each([
    ['objects is an object', { objects: { a: indicator() } }],
    ['objects is a string', { objects: 'indicator' }],
    ['objects is null', { objects: null }],
    ['objects is a number', { objects: 3 }],
    ['the body is a list', [indicator()]],
    ['the body is null', null],
    ['the body is a string', '"objects"'],
    ['the body is a number', '42'],
  ])('%s → 422 and nothing stored (§5.5)', async (_name, body) => {
    const r = await post(typeof body === 'string' ? body : JSON.stringify(body));
    expectTaxiiError(r, 422);
    expect(await storedIds()).toEqual([]);
  });
});

describe('§5.5 permissions: can_write false → 403 or 404; no access → 404; no credentials → 401', () => {
  test('reader (r only) POST SHARED → 403; reader POST FEED → 403 (§5.5)', async () => {
    expectTaxiiError(await post({ objects: [indicator()] }, 'reader', URL), 403);
    expectTaxiiError(await post({ objects: [indicator()] }, 'reader', objectsUrl(FEED)), 403);
  });

  test('writer (w only) POST FEED → 202 and the object is stored (admin can see it) (§5.5)', async () => {
    const a = indicator();
    expectCompleteStatus(await post({ objects: [a] }, 'writer', objectsUrl(FEED)), { total: 1, success: 1, failure: 0 });
    expect(await storedIds(FEED)).toEqual([a.id]);
  });

  test('member (rw) POST SHARED and FEED → 202 (§5.5)', async () => {
    expect((await post({ objects: [indicator()] }, 'member', URL)).status).toBe(202);
    expect((await post({ objects: [indicator()] }, 'member', objectsUrl(FEED))).status).toBe(202);
  });

  test('outsider POST SHARED → 404; member POST HIDDEN → 404; member POST PARTNER (other root) → 404 (§5.5)', async () => {
    expectTaxiiError(await post({ objects: [indicator()] }, 'outsider', URL), 404);
    expectTaxiiError(await post({ objects: [indicator()] }, 'member', objectsUrl(HIDDEN)), 404);
    expectTaxiiError(await post({ objects: [indicator()] }, 'member', objectsUrl(PARTNER, OTHER_ROOT)), 404);
  });

  test('no credentials → 401 with WWW-Authenticate (§5.5)', async () => {
    const r = await post({ objects: [indicator()] }, null);
    expectTaxiiError(r, 401);
    expect(r.headers['www-authenticate']).toMatch(/Basic|Bearer/);
  });

  test('POST by alias → 202 and stores into the aliased collection (§5.2.1, §5.5)', async () => {
    const a = indicator();
    expect((await post({ objects: [a] }, 'member', `/${ROOT}/collections/shared/objects/`)).status).toBe(202);
    expect(await storedIds()).toEqual([a.id]);
  });
});

describe('§5.5 a refused request stores nothing', () => {
  test('401, 403, 404, 413, 415, 422 and 400 (invalid JSON) leave the collections unchanged (§5.5)', async () => {
    const refused: Array<[number, () => Promise<Reply>]> = [
      [401, () => post({ objects: [indicator()] }, null)],
      [403, () => post({ objects: [indicator()] }, 'reader')],
      [403, () => post({ objects: [indicator()] }, 'reader', objectsUrl(FEED))],
      [404, () => post({ objects: [indicator()] }, 'outsider')],
      [404, () => post({ objects: [indicator()] }, 'member', objectsUrl(HIDDEN))],
      [415, () => post({ objects: [indicator()] }, 'member', URL, 'text/plain')],
      [415, () => post({ objects: [indicator()] }, 'member', URL, 'application/taxii+json;version=2.0')],
      [422, () => post(indicator())],
      [422, () => post({ objects: { 0: indicator() } })],
      [400, () => post(`{"objects":[${JSON.stringify(indicator())}`)],
      [400, () => post(`{"objects":[${JSON.stringify(indicator())}]}garbage`)],
      [413, () => post({ objects: [indicator({ description: 'x'.repeat(1_100_000) })] })],
    ];
    for (const [status, send] of refused) {
      const r = await send();
      expect([status, r.status]).toEqual([status, status]);
      expect(r.body.http_status).toBe(String(status));
    }
    for (const c of [SHARED, FEED, HIDDEN]) {
      expect(await storedIds(c)).toEqual([]);
      expect((await getJson(t, 'admin', objectsUrl(c), { 'match[version]': 'all' })).text).toBe('{}');
    }
  });

  test('without a Content-Type → 415, nothing stored (§5.5)', async () => {
    const r = await request(t.app)
      .post(URL)
      .set(...auth('member'))
      .set('Accept', TAXII)
      .send(Buffer.from(JSON.stringify({ objects: [indicator()] })));
    expect(r.status).toBe(415);
    expect(await storedIds()).toEqual([]);
  });
});

describe('§5.5 / §3.3 date_added under concurrent POSTs', () => {
  test('10 concurrent POSTs → 202 each; every version stored, date_added unique and strictly increasing in manifest order (§5.5, §3.3)', async () => {
    const batches = Array.from({ length: 10 }, () => [indicator(), malware(), ipv4(), ...versionsOf(indicator(), 2)]);
    const replies = await Promise.all(batches.map((objects, i) => post({ objects }, i % 2 === 0 ? 'member' : 'writer')));
    for (const r of replies) expectCompleteStatus(r, { total: 5, success: 5, failure: 0 });

    const manifest = await manifestAll(t, SHARED);
    expect(manifest).toHaveLength(50);
    const dates = manifest.map((m) => m.date_added as string);
    for (const d of dates) expect(d).toMatch(TAXII_TIMESTAMP);
    for (let i = 1; i < dates.length; i++) expect((dates[i] as string) > (dates[i - 1] as string)).toBe(true);
    // Each POST is one atomic write: its versions got consecutive date_added values, in envelope order.
    const position = (id: unknown, version: unknown) =>
      manifest.findIndex((m) => m.id === id && (version === undefined || m.version === version));
    for (const objects of batches) {
      const at = objects.map((o) => position(o.id, o.modified));
      const start = at[0] as number;
      expect(at).toEqual([start, start + 1, start + 2, start + 3, start + 4]);
    }
  });
});

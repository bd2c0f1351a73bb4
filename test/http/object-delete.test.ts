// DELETE {api-root}/collections/{id}/objects/{object-id}/ — TAXII 2.1 §5.7, with its
// can_read/can_write matrix and match[version] (§3.4.1).
import {
  FEED,
  HIDDEN,
  OTHER_ROOT,
  PARTNER,
  ROOT,
  SHARED,
  TAXII,
  makeTestApp,
  manifestUrl,
  objectUrl,
  objectsUrl,
  versionsUrl,
  type TestApp,
  type Who,
} from '../helpers/test-app';
import { indicator, ipv4, malware, versionsOf } from '../helpers/stix-fixtures';
import { deleteObject, getJson, ids, seed, type Params, type Reply } from '../helpers/object-api';

const OBJECTS = objectsUrl(SHARED);

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(() => t.close());

const del = (url: string, params?: Params, who: Who | null = 'member'): Promise<Reply> => deleteObject(t, who, url, params);

function expectTaxiiError(r: Reply, status: number): void {
  expect(r.status).toBe(status);
  expect(r.headers['content-type']).toBe(TAXII);
  expect(r.body.http_status).toBe(String(status));
}

function expectDeleted(r: Reply): void {
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toBe(TAXII);
  expect(r.text).toBe('');
}

const versionsListed = async (collection: string, id: string): Promise<string[] | number> => {
  const r = await getJson(t, 'admin', versionsUrl(collection, id));
  return r.status === 200 ? (r.body.versions ?? []) : r.status;
};

describe('§5.7 deleting an object', () => {
  test('DELETE → 200, empty body, TAXII Content-Type; then Get an Object → 404, and neither the manifest nor Get Objects lists it (§5.7)', async () => {
    const v = versionsOf(indicator(), 3);
    const keep = malware();
    await seed(t, OBJECTS, [v[0], keep, v[1], v[2]], 'member');
    const id = v[0]?.id as string;

    expectDeleted(await del(objectUrl(SHARED, id)));

    expect((await getJson(t, 'member', objectUrl(SHARED, id))).status).toBe(404);
    expect((await getJson(t, 'member', objectUrl(SHARED, id), { 'match[version]': 'all' })).status).toBe(404);
    expect((await getJson(t, 'member', versionsUrl(SHARED, id))).status).toBe(404);
    for (const params of [{}, { 'match[version]': 'all' }, { 'match[version]': 'first' }, { 'match[id]': id }]) {
      expect(ids(await getJson(t, 'member', manifestUrl(SHARED), params))).not.toContain(id);
      expect(ids(await getJson(t, 'member', OBJECTS, params))).not.toContain(id);
    }
    // Nothing else was touched.
    expect((await getJson(t, 'member', OBJECTS)).body.objects).toEqual([keep]);
  });

  test('a second DELETE of the same object → 404 (§5.7)', async () => {
    const a = indicator();
    await seed(t, OBJECTS, [a], 'member');
    expectDeleted(await del(objectUrl(SHARED, a.id as string)));
    expectTaxiiError(await del(objectUrl(SHARED, a.id as string)), 404);
  });

  test('DELETE of an unknown object → 404 (§5.7)', async () => {
    await seed(t, OBJECTS, [indicator()], 'member');
    expectTaxiiError(await del(objectUrl(SHARED, indicator().id as string)), 404);
    expectTaxiiError(await del(objectUrl(SHARED, 'not-an-id')), 404);
  });

  test('an object deleted (200) from one collection stays in the others; DELETE on a collection without it → 404 (§5.7)', async () => {
    const a = indicator();
    await seed(t, OBJECTS, [a], 'member');
    await seed(t, objectsUrl(FEED), [a]);
    expectDeleted(await del(objectUrl(SHARED, a.id as string)));
    expect((await getJson(t, 'member', objectUrl(FEED, a.id as string))).body.objects).toEqual([a]);
    expectTaxiiError(await del(objectUrl(SHARED, a.id as string)), 404);

    const onlyInFeed = indicator();
    await seed(t, objectsUrl(FEED), [onlyInFeed]);
    expectTaxiiError(await del(objectUrl(SHARED, onlyInFeed.id as string)), 404);
    expect(await versionsListed(FEED, onlyInFeed.id as string)).toEqual([onlyInFeed.modified]);
  });

  test('an unversioned SCO → 200, deleted (§5.7)', async () => {
    const sco = ipv4();
    await seed(t, OBJECTS, [sco], 'member');
    expectDeleted(await del(objectUrl(SHARED, sco.id as string)));
    expect((await getJson(t, 'member', objectUrl(SHARED, sco.id as string))).status).toBe(404);
  });

  test('a deleted object (200) can be published again → 202 (§5.7, §5.5)', async () => {
    const a = indicator();
    await seed(t, OBJECTS, [a], 'member');
    expectDeleted(await del(objectUrl(SHARED, a.id as string)));
    const again = await getJson(t, 'member', OBJECTS);
    expect(again.text).toBe('{}');
    await seed(t, OBJECTS, [a], 'member');
    expect((await getJson(t, 'member', objectUrl(SHARED, a.id as string))).body.objects).toEqual([a]);
  });

  test('by alias → 200 (§5.2.1, §5.7)', async () => {
    const a = indicator();
    await seed(t, OBJECTS, [a], 'member');
    expectDeleted(await del(`/${ROOT}/collections/shared/objects/${a.id as string}/`));
    expect((await getJson(t, 'member', objectUrl(SHARED, a.id as string))).status).toBe(404);
  });
});

describe('§5.7 deleting versions with match[version] (§3.4.1)', () => {
  // v0 < v1 < v2, added in version order.
  let v: Record<string, unknown>[];
  let id: string;
  let url: string;
  beforeEach(async () => {
    v = versionsOf(indicator(), 3);
    id = v[0]?.id as string;
    url = objectUrl(SHARED, id);
    await seed(t, OBJECTS, [v[0]], 'member');
    await seed(t, OBJECTS, [v[1]], 'member');
    await seed(t, OBJECTS, [v[2]], 'member');
  });
  const mod = (i: number) => v[i]?.modified as string;
  const latest = async () => (await getJson(t, 'member', url)).body.objects;

  test('match[version]=<the latest> → 200, removes only it; the previous version becomes the latest (§5.7, §3.4.1)', async () => {
    expectDeleted(await del(url, { 'match[version]': mod(2) }));
    expect(await versionsListed(SHARED, id)).toEqual([mod(0), mod(1)]);
    expect(await latest()).toEqual([v[1]]);
    expect((await getJson(t, 'member', OBJECTS)).body.objects).toEqual([v[1]]);
    expect((await getJson(t, 'member', manifestUrl(SHARED))).body.objects?.map((m) => m.version)).toEqual([mod(1)]);
    expect((await getJson(t, 'member', url, { 'match[version]': 'first' })).body.objects).toEqual([v[0]]);
  });

  test('match[version]=<a middle version> → 200, removes only it; first and last are unchanged (§5.7)', async () => {
    expectDeleted(await del(url, { 'match[version]': mod(1) }));
    expect(await versionsListed(SHARED, id)).toEqual([mod(0), mod(2)]);
    expect(await latest()).toEqual([v[2]]);
    expect((await getJson(t, 'member', url, { 'match[version]': 'first' })).body.objects).toEqual([v[0]]);
  });

  test('match[version] written with other fraction digits → 200 (§5.7, §3.4.1)', async () => {
    expectDeleted(await del(url, { 'match[version]': '2024-01-01T00:00:02Z' }));
    expect(await versionsListed(SHARED, id)).toEqual([mod(0), mod(1)]);
  });

  test('match[version]=last → 200, removes the latest; the previous becomes last (§5.7, §3.4.1)', async () => {
    expectDeleted(await del(url, { 'match[version]': 'last' }));
    expect(await versionsListed(SHARED, id)).toEqual([mod(0), mod(1)]);
    expect(await latest()).toEqual([v[1]]);
    expectDeleted(await del(url, { 'match[version]': 'last' }));
    expect(await latest()).toEqual([v[0]]);
  });

  test('match[version]=first → 200, removes the earliest; the next becomes first (§5.7, §3.4.1)', async () => {
    expectDeleted(await del(url, { 'match[version]': 'first' }));
    expect(await versionsListed(SHARED, id)).toEqual([mod(1), mod(2)]);
    expect((await getJson(t, 'member', url, { 'match[version]': 'first' })).body.objects).toEqual([v[1]]);
    expect(await latest()).toEqual([v[2]]);
  });

  test('match[version]=first,last → 200, removes both (§5.7, §3.4.1)', async () => {
    expectDeleted(await del(url, { 'match[version]': 'first,last' }));
    expect(await versionsListed(SHARED, id)).toEqual([mod(1)]);
    expect(await latest()).toEqual([v[1]]);
    expect((await getJson(t, 'member', url, { 'match[version]': 'first' })).body.objects).toEqual([v[1]]);
  });

  test('match[version]=all → 200, removes the object (§5.7)', async () => {
    expectDeleted(await del(url, { 'match[version]': 'all' }));
    expect(await versionsListed(SHARED, id)).toBe(404);
  });

  test('deleting the last remaining version → 200, then the object → 404 (§5.7)', async () => {
    expectDeleted(await del(url, { 'match[version]': `${mod(0)},${mod(1)}` }));
    expect(await latest()).toEqual([v[2]]);
    expectDeleted(await del(url, { 'match[version]': mod(2) }));
    expect((await getJson(t, 'member', url)).status).toBe(404);
  });

  test('after the latest was deleted (200), re-posting it (202) makes it the latest again (§5.7, §5.5)', async () => {
    expectDeleted(await del(url, { 'match[version]': 'last' }));
    await seed(t, OBJECTS, [v[2]], 'member');
    expect(await latest()).toEqual([v[2]]);
    expect(await versionsListed(SHARED, id)).toEqual([mod(0), mod(1), mod(2)]);
  });

  test('an older version posted (202) after deletions does not become last (§5.7, §3.4.1)', async () => {
    expectDeleted(await del(url, { 'match[version]': 'first' }));
    await seed(t, OBJECTS, [v[0]], 'member');
    expect(await latest()).toEqual([v[2]]);
    expect((await getJson(t, 'member', url, { 'match[version]': 'first' })).body.objects).toEqual([v[0]]);
  });

  test('a version that does not exist → 404, and nothing is deleted (§5.7)', async () => {
    expectTaxiiError(await del(url, { 'match[version]': '2030-01-01T00:00:00.000Z' }), 404);
    expect(await versionsListed(SHARED, id)).toEqual([mod(0), mod(1), mod(2)]);
  });

  test('match[spec_version]=2.0 selects nothing → 404, nothing deleted (§5.7)', async () => {
    expectTaxiiError(await del(url, { 'match[spec_version]': '2.0' }), 404);
    expect(await versionsListed(SHARED, id)).toHaveLength(3);
  });

  test('a malformed match[version] → 400, nothing deleted (§5.7, §3.4)', async () => {
    for (const value of ['newest', 'last,last', 'all,first', '2024-02-30T00:00:00Z', '']) {
      expectTaxiiError(await del(url, { 'match[version]': value }), 400);
    }
    expectTaxiiError(await del(url, { 'match[id][$ne]': 'x' }), 400);
    expectTaxiiError(
      await del(url, [
        ['match[version]', 'first'],
        ['match[version]', 'last'],
      ]),
      400,
    );
    expect(await versionsListed(SHARED, id)).toHaveLength(3);
  });

  test('match[type] / match[id] are ignored by DELETE → 200 (§5.7: the only valid match is version)', async () => {
    expectDeleted(await del(url, { 'match[type]': 'malware', 'match[id]': malware().id as string, 'match[version]': 'first' }));
    expect(await versionsListed(SHARED, id)).toEqual([mod(1), mod(2)]);
  });
});

describe('§5.7 the can_read / can_write matrix', () => {
  let a: Record<string, unknown>;
  beforeEach(async () => {
    a = indicator();
    // In SHARED the member published it (it may delete only what it published, provenance.ts).
    await seed(t, OBJECTS, [a], 'member');
    for (const c of [FEED, HIDDEN]) await seed(t, objectsUrl(c), [a]);
    await seed(t, objectsUrl(PARTNER, OTHER_ROOT), [a]);
  });
  const id = () => a.id as string;

  test('reader (can_read true, can_write false) on SHARED → 403; nothing deleted (§5.7 matrix)', async () => {
    expectTaxiiError(await del(objectUrl(SHARED, id()), undefined, 'reader'), 403);
    expect(await versionsListed(SHARED, id())).toEqual([a.modified]);
  });

  test('writer (can_read false, can_write true) on FEED → 403; nothing deleted (§5.7 matrix)', async () => {
    expectTaxiiError(await del(objectUrl(FEED, id()), undefined, 'writer'), 403);
    expect(await versionsListed(FEED, id())).toEqual([a.modified]);
  });

  test('outsider (neither) on SHARED → 404; member on HIDDEN → 404; nothing deleted (§5.7 matrix)', async () => {
    expectTaxiiError(await del(objectUrl(SHARED, id()), undefined, 'outsider'), 404);
    expectTaxiiError(await del(objectUrl(HIDDEN, id()), undefined, 'member'), 404);
    expect(await versionsListed(SHARED, id())).toEqual([a.modified]);
    expect(await versionsListed(HIDDEN, id())).toEqual([a.modified]);
  });

  test('reader (r only) on FEED → 403; member on PARTNER (other root, no access) → 404 (§5.7 matrix)', async () => {
    expectTaxiiError(await del(objectUrl(FEED, id()), undefined, 'reader'), 403);
    expectTaxiiError(await del(objectUrl(PARTNER, id(), OTHER_ROOT), undefined, 'member'), 404);
    expectTaxiiError(await del(objectUrl(PARTNER, id(), OTHER_ROOT), undefined, 'outsider'), 403);
  });

  test('the 403 does not depend on whether the object exists (reader, unknown object → 403) (§5.7 matrix)', async () => {
    expectTaxiiError(await del(objectUrl(SHARED, indicator().id as string), undefined, 'reader'), 403);
  });

  test('unauthenticated → 401 with WWW-Authenticate; nothing deleted (§5.7)', async () => {
    const r = await del(objectUrl(SHARED, id()), undefined, null);
    expectTaxiiError(r, 401);
    expect(r.headers['www-authenticate']).toBeDefined();
    expect(await versionsListed(SHARED, id())).toEqual([a.modified]);
  });

  test('member (can_read true, can_write true) on SHARED → 200; writer (rw) on SHARED → 200; admin on HIDDEN → 200 (§5.7 matrix)', async () => {
    expectDeleted(await del(objectUrl(SHARED, id()), undefined, 'member'));
    expect(await versionsListed(SHARED, id())).toBe(404);
    const b = indicator();
    await seed(t, OBJECTS, [b], 'writer');
    expectDeleted(await del(objectUrl(SHARED, b.id as string), undefined, 'writer'));
    expectDeleted(await del(objectUrl(HIDDEN, id()), undefined, 'admin'));
    // The other collections still hold it.
    expect(await versionsListed(FEED, id())).toEqual([a.modified]);
  });
});

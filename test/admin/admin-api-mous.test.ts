// MOUs through the admin API: GET/PUT/DELETE /members/{id}/mou and GET /mous,
// validated by schemas/config/directory.schema.json `$defs/mou` and by the directory's
// integrity check, audited as mou.put / mou.delete.
import request from 'supertest';
import { makeTestApp, auth, type TestApp } from '../helpers/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
  for (const g of [{ id: 'mou-states', name: 'States' }]) expect((await post('/groups', g)).status).toBe(201);
  for (const id of ['mou-ohio', 'mou-indiana', 'mou-illinois', 'mou-gone']) {
    expect((await post('/members', { id, name: id, groups: ['mou-states'] })).status).toBe(201);
  }
});
afterAll(() => t.close());

const A = '/admin/v1';
const get = (path: string) => request(t.app).get(A + path).set(...auth('admin'));
const del = (path: string) => request(t.app).delete(A + path).set(...auth('admin'));
const post = (path: string, body: unknown) => request(t.app).post(A + path).set(...auth('admin')).send(body as object);
const put = (path: string, body: unknown) => request(t.app).put(A + path).set(...auth('admin')).send(body as object);

function problem(res: request.Response, status: number): { detail: string; problems?: string[] } {
  expect([res.status, res.headers['content-type']]).toEqual([status, 'application/problem+json']);
  return JSON.parse(res.text) as { detail: string; problems?: string[] };
}

const DEFAULTS = {
  provide: { default_marking: 'green', audiences: [], attribution: 'keep', strip: [], strip_reference_urls: [], embargo_hours: 0, embargo_until_released: false, redact_references: 'redact' },
  receive: { marking_ceiling: 'red', accept_pseudonymised: true, relationship_closed: true },
};

test('a member without a MOU: GET answers the defaults, marked default; GET /mous does not list it', async () => {
  const res = await get('/members/mou-ohio/mou');
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ member: 'mou-ohio', ...DEFAULTS, managed: false, default: true });
  expect((await get('/mous')).body).toEqual({ mous: [] });
});

test('PUT sets the MOU (absent fields take the defaults), GET and GET /mous return it, PUT replaces, DELETE restores the defaults', async () => {
  const body = {
    provide: {
      audiences: [
        { markings: ['clear', 'green'], to: ['everyone'] },
        { markings: ['amber'], types: ['report'], to: ['group:mou-states'], except: ['member:mou-illinois'] },
        { markings: ['red'], to: ['member:mou-illinois'] },
      ],
      attribution: 'pseudonymise',
      strip: ['x_internal_*'],
      strip_reference_urls: ['^https://intranet\\.'],
      embargo_hours: 2.5,
      redact_references: 'withhold',
    },
    receive: { types: ['indicator', '*'], marking_ceiling: 'amber', sources: ['group:mou-states'] },
  };
  const res = await put('/members/mou-indiana/mou', body);
  expect(res.status).toBe(200);
  const expected = {
    member: 'mou-indiana',
    provide: { ...DEFAULTS.provide, ...body.provide },
    receive: { ...DEFAULTS.receive, ...body.receive },
    managed: false,
    default: false,
  };
  expect(res.body).toEqual(expected);
  expect((await get('/members/mou-indiana/mou')).body).toEqual(expected);
  expect((await get('/mous')).body).toEqual({ mous: [expected] });

  const replaced = await put('/members/mou-indiana/mou', { receive: { marking_ceiling: 'green' } });
  expect(replaced.body).toEqual({ member: 'mou-indiana', ...DEFAULTS, receive: { ...DEFAULTS.receive, marking_ceiling: 'green' }, managed: false, default: false });

  expect((await del('/members/mou-indiana/mou')).status).toBe(204);
  expect((await get('/members/mou-indiana/mou')).body).toMatchObject({ default: true, ...DEFAULTS });
  problem(await del('/members/mou-indiana/mou'), 404);
});

test('an empty body is the defaults, stored as an explicit MOU', async () => {
  const res = await put('/members/mou-illinois/mou', {});
  expect(res.body).toEqual({ member: 'mou-illinois', ...DEFAULTS, managed: false, default: false });
  expect((await del('/members/mou-illinois/mou')).status).toBe(204);
});

test('unknown members are 404 on every MOU route', async () => {
  for (const res of [await get('/members/ghost/mou'), await put('/members/ghost/mou', {}), await del('/members/ghost/mou')]) {
    expect(problem(res, 404).detail).toContain("member 'ghost' does not exist");
  }
});

test.each([
  ['an unknown property', { provide: { colour: 'blue' } }, /\/provide: unknown property 'colour'/],
  ['a member in the body', { member: 'mou-ohio' }, /unknown property 'member'/],
  ['an unknown marking level', { provide: { default_marking: 'purple' } }, /\/provide\/default_marking must be equal to one of the allowed values/],
  ['a bad STIX type', { receive: { types: ['Indicator'] } }, /\/receive\/types\/0 must match pattern/],
  ['a negative embargo', { provide: { embargo_hours: -1 } }, /\/provide\/embargo_hours must be >= 0/],
  ['an embargo over a year', { provide: { embargo_hours: 8761 } }, /\/provide\/embargo_hours must be <= 8760/],
  ['a bad strip glob', { provide: { strip: ['x-internal'] } }, /\/provide\/strip\/0 must match pattern/],
  ['an unknown reference redaction', { provide: { redact_references: 'drop' } }, /\/provide\/redact_references must be equal to one of the allowed values/],
  ['a too long reference pattern', { provide: { strip_reference_urls: ['a'.repeat(201)] } }, /\/provide\/strip_reference_urls\/0 must NOT have more than 200 characters/],
  ['an audience without to', { provide: { audiences: [{ markings: ['red'] }] } }, /\/provide\/audiences\/0 must have required property 'to'/],
  ['a bad audience', { provide: { audiences: [{ to: ['somebody'] }] } }, /\/provide\/audiences\/0\/to\/0 must match pattern/],
])('400 for %s (schema)', async (_name, body, message) => {
  const p = problem(await put('/members/mou-ohio/mou', body), 400);
  expect(p.problems?.join('\n')).toMatch(message);
  expect((await get('/members/mou-ohio/mou')).body).toMatchObject({ default: true });
});

test.each([
  ['a member that does not exist', { provide: { audiences: [{ to: ['member:nobody'] }] } }, "MOU of 'mou-ohio': provide.audiences[0].to names member 'nobody', which does not exist"],
  ['a group that does not exist', { provide: { audiences: [{ to: ['everyone'], except: ['group:nobody'] }] } }, "provide.audiences[0].except names group 'nobody', which does not exist"],
  ['an unknown source', { receive: { sources: ['member:nobody'] } }, "receive.sources names member 'nobody', which does not exist"],
  ['a pattern that is not a RegExp', { provide: { strip_reference_urls: ['^https://(intranet'] } }, "provide.strip_reference_urls '^https://(intranet' is not a regular expression"],
])('400 for %s (integrity)', async (_name, body, message) => {
  const p = problem(await put('/members/mou-ohio/mou', body), 400);
  expect(p.problems?.join('\n')).toContain(message);
});

test('changes are audited as mou.put (with the agreement) and mou.delete, with the member', async () => {
  await put('/members/mou-ohio/mou', { provide: { attribution: 'hub' } });
  await del('/members/mou-ohio/mou');
  const put_ = (await get('/audit?action=mou.put&kind=admin')).body as {
    entries: Array<{ details: { member: string; mou: { provide: { attribution: string } } } }>;
  };
  expect(put_.entries.map((e) => e.details.member)).toContain('mou-ohio');
  // Each entry holds the agreement as it then stood: the audit log is its version history.
  expect(put_.entries.find((e) => e.details.member === 'mou-ohio')?.details.mou.provide.attribution).toBe('hub');
  const deleted = (await get('/audit?action=mou.delete')).body as { entries: Array<{ action: string; details: { member: string; changes: number } }> };
  expect(deleted.entries.at(-1)).toMatchObject({ action: 'mou.delete', details: { member: 'mou-ohio', changes: 1 } });
});

test('deleting a member deletes its MOU', async () => {
  expect((await put('/members/mou-gone/mou', { provide: { embargo_hours: 1 } })).status).toBe(200);
  expect((await del('/members/mou-gone')).status).toBe(204);
  expect(((await get('/mous')).body as { mous: Array<{ member: string }> }).mous.map((m) => m.member)).not.toContain('mou-gone');
  expect((await post('/members', { id: 'mou-gone', name: 'again' })).status).toBe(201);
  expect((await get('/members/mou-gone/mou')).body).toMatchObject({ default: true });
});

test('the MOU routes need an admin credential', async () => {
  const res = await request(t.app).get(`${A}/members/mou-ohio/mou`).set(...auth('member'));
  expect(res.status).toBe(403);
});

// Suspending a member cuts its access at its very next request (the directory revision is
// checked on every request) and keeps what it published: the admin still reads it.
import request from 'supertest';
import { SHARED, TAXII, TOKENS, objectsUrl } from '../helpers/test-app';
import { makeMatrixApp, type MatrixApp } from '../helpers/access-matrix';

let m: MatrixApp;
beforeAll(async () => {
  m = await makeMatrixApp();
});
afterAll(() => m.close());

const get = (token: string) => request(m.app).get(objectsUrl(SHARED)).set('Accept', TAXII).set('Authorization', `Bearer ${token}`);

test('suspension takes effect at the next request and deletes nothing', async () => {
  expect((await get(TOKENS.member)).status).toBe(200);
  await m.store.applyDirectoryChanges(
    [{ op: 'put', kind: 'member', record: { id: 'member', name: 'Member member', groups: [], status: 'suspended' } }],
    [],
    await m.store.directoryRevision(),
  );
  const refused = await get(TOKENS.member);
  expect(refused.status).toBe(403);
  expect(refused.headers['content-type']).toBe(TAXII);
  expect(JSON.parse(refused.text)).toMatchObject({ title: 'Forbidden', http_status: '403' });
  // Basic credentials of the member are refused too.
  const basic = await request(m.app).get(objectsUrl(SHARED)).set('Accept', TAXII).auth('member', 'member:pass:with:colons');
  expect(basic.status).toBe(403);

  const asAdmin = await get(TOKENS.admin);
  expect(asAdmin.status).toBe(200);
  expect((JSON.parse(asAdmin.text) as { objects: Array<{ id: string }> }).objects.map((o) => o.id)).toContain(m.sharedObjectId);
  // Its status is still stored (for when it is reinstated).
  expect(await m.store.getStatus('hub', m.memberStatusId)).toBeDefined();

  await m.store.applyDirectoryChanges(
    [{ op: 'put', kind: 'member', record: { id: 'member', name: 'Member member', groups: [], status: 'active' } }],
    [],
    await m.store.directoryRevision(),
  );
  expect((await get(TOKENS.member)).status).toBe(200);
});

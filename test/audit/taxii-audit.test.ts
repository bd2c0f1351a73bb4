// The audit log of TAXII traffic: publishes and reads are recorded with who,
// from where, what and how much; nothing secret is recorded.
import request from 'supertest';
import type { AuditEntry } from '../../src/directory/records';
import { auditableQuery } from '../../src/http/taxii-router';
import { FEED, SHARED, TAXII, TOKENS, objectsUrl, manifestUrl, objectUrl, versionsUrl, PASSWORDS } from '../helpers/test-app';
import { envelope, indicator, malware } from '../helpers/stix-fixtures';
import { ALL_SECRETS, makeMatrixApp, type MatrixApp } from '../helpers/access-matrix';

let m: MatrixApp;
beforeEach(async () => {
  m = await makeMatrixApp({ seed: false });
});
afterEach(() => m.close());

/** Audit entries of a kind; distribution summaries (objects.distribute) are left out unless asked for. */
async function entries(kind?: 'publish' | 'read', withDistribution = false): Promise<AuditEntry[]> {
  await m.audit.flush();
  const all = (await m.store.queryAudit({ ...(kind ? { kind } : {}), limit: 1000 })).entries;
  return withDistribution ? all : all.filter((e) => e.action !== 'objects.distribute');
}

const get = (url: string, token: string = TOKENS.member) =>
  request(m.app).get(url).set('Accept', TAXII).set('Authorization', `Bearer ${token}`).set('X-Request-Id', 'test-request-0001');

function post(objects: unknown[], collection = SHARED) {
  return request(m.app)
    .post(objectsUrl(collection))
    .set('Accept', TAXII)
    .set('Content-Type', TAXII)
    .set('Authorization', `Bearer ${TOKENS.member}`)
    .set('X-Request-Id', 'publish-request-01')
    .send(JSON.stringify(envelope(objects)));
}

test('a publish is recorded with member, credential prefix, request id, source, target, counts and status id', async () => {
  const bad = { type: 'indicator', id: 'indicator--not-a-uuid' };
  const res = await post([indicator(), malware(), bad]);
  expect(res.status).toBe(202);
  const status = JSON.parse(res.text) as { id: string };
  // Written before the response: no flush needed.
  const stored = (await m.store.queryAudit({ kind: 'publish', action: 'objects.add', limit: 10 })).entries;
  expect(stored).toHaveLength(1);
  // The distribution in aggregate: per audience class, how many of the stored versions its members see.
  const distributed = (await m.store.queryAudit({ kind: 'publish', action: 'objects.distribute', limit: 10 })).entries;
  expect(distributed).toHaveLength(1);
  expect(distributed[0]).toMatchObject({ memberId: 'member', collectionId: SHARED, details: { versions: 2 } });
  const audiences = (distributed[0]?.details as { audiences: Array<{ examples: string[] }> }).audiences;
  expect(audiences.find((a) => a.examples.includes('reader'))).toMatchObject({ members: 1, visible: 2, hidden: 0, deferred: 0 });
  expect(stored[0]).toMatchObject({
    kind: 'publish',
    action: 'objects.add',
    memberId: 'member',
    credentialPrefix: 'member-token-0',
    requestId: 'publish-request-01',
    source: expect.stringMatching(/127\.0\.0\.1|::1/) as unknown as string,
    apiRoot: 'hub',
    collectionId: SHARED,
    details: { statusId: status.id, total: 3, success: 2, failure: 1 },
  });
  expect(typeof stored[0]?.at).toBe('number');
});

test('a publish by alias records the collection id; refused publishes record nothing', async () => {
  expect((await post([indicator()], 'shared')).status).toBe(202);
  const refused = await request(m.app)
    .post(objectsUrl(SHARED))
    .set('Accept', TAXII)
    .set('Content-Type', TAXII)
    .set('Authorization', `Bearer ${TOKENS.reader}`)
    .send(JSON.stringify(envelope([indicator()])));
  expect(refused.status).toBe(403);
  const publishes = await entries('publish');
  expect(publishes.map((e) => [e.memberId, e.collectionId])).toEqual([['member', SHARED]]);
});

test('reads are recorded per endpoint with the number of objects returned', async () => {
  const objects = [indicator(), indicator(), malware()];
  expect((await post(objects)).status).toBe(202);
  const id = objects[0]?.id as string;
  await get('/taxii2/');
  await get('/hub/');
  await get('/hub/collections/');
  await get(`/hub/collections/${SHARED}/`);
  await get(objectsUrl(SHARED));
  await get(`${objectsUrl(SHARED)}?limit=2`);
  await get(`${manifestUrl(SHARED)}?match[type]=malware`);
  await get(objectUrl(SHARED, id));
  await get(versionsUrl(SHARED, id));
  const statusId = ((await entries('publish'))[0]?.details as { statusId: string }).statusId;
  await get(`/hub/status/${statusId}/`);

  const reads = await entries('read');
  const summary = reads.map((e) => [e.action, e.collectionId ?? null, (e.details as { returned?: number }).returned ?? null]);
  expect(summary).toEqual([
    ['discovery.get', null, 1],
    ['api_root.get', null, null],
    ['collections.get', null, 2],
    ['collection.get', SHARED, null],
    ['objects.get', SHARED, 3],
    ['objects.get', SHARED, 2],
    ['manifest.get', SHARED, 1],
    ['object.get', SHARED, 1],
    ['versions.get', SHARED, 1],
    ['status.get', null, null],
  ]);
  for (const e of reads) {
    expect(e).toMatchObject({ kind: 'read', memberId: 'member', credentialPrefix: 'member-token-0', requestId: 'test-request-0001' });
    expect(e.source).toBeDefined();
    expect((e.details as { endpoint: string }).endpoint).toBe(e.action.replace(/\.get$/, ''));
  }
  expect(reads[5]?.details).toMatchObject({ more: true, query: 'limit=2' });
  expect(reads[6]?.details).toMatchObject({ query: 'match[type]=malware' });
  expect(reads[7]?.details).toMatchObject({ objectId: id });
  expect(reads[9]?.details).toMatchObject({ statusId });
  expect(reads.slice(1).every((e) => e.apiRoot === 'hub')).toBe(true);
});

test('paging: each page is one entry; the cursor may be recorded, the count is per page', async () => {
  expect((await post([indicator(), indicator(), indicator()])).status).toBe(202);
  let url = `${objectsUrl(SHARED)}?limit=2`;
  const first = await get(url);
  const next = (JSON.parse(first.text) as { next: string }).next;
  url = `${objectsUrl(SHARED)}?limit=2&next=${encodeURIComponent(next)}`;
  expect((await get(url)).status).toBe(200);
  const reads = (await entries('read')).filter((e) => e.action === 'objects.get');
  expect(reads.map((e) => (e.details as { returned: number }).returned)).toEqual([2, 1]);
  expect((reads[1]?.details as { query: string }).query).toContain('next=');
});

test('errors and refused reads are not recorded as reads', async () => {
  await get(objectsUrl(FEED), TOKENS.writer); // write-only: 403
  await get(objectsUrl(SHARED), 'wrong-token'); // 401
  await get(objectUrl(SHARED, 'indicator--99999999-9999-4999-8999-999999999999')); // 404
  expect(await entries('read')).toEqual([]);
});

test('a deletion is recorded', async () => {
  const o = indicator();
  expect((await post([o])).status).toBe(202);
  const res = await request(m.app).delete(objectUrl(SHARED, o.id as string)).set('Accept', TAXII).set('Authorization', `Bearer ${TOKENS.member}`);
  expect(res.status).toBe(200);
  const publishes = await entries('publish');
  expect(publishes[1]).toMatchObject({ action: 'object.delete', memberId: 'member', collectionId: SHARED, details: { objectId: o.id, deleted: 1 } });
});

test('nothing secret is recorded, whatever the request carries', async () => {
  expect((await post([indicator()])).status).toBe(202);
  await request(m.app).get(objectsUrl(SHARED)).set('Accept', TAXII).auth(PASSWORDS.member.username, PASSWORDS.member.password);
  await get(`${objectsUrl(SHARED)}?limit=5&api_key=abc-secret&password=hunter2&match[type]=indicator`);
  await get(`${objectsUrl(SHARED)}?access_token=${TOKENS.member}`); // refused (400), not recorded
  const all = JSON.stringify(await entries());
  for (const secret of [...ALL_SECRETS, 'abc-secret', 'hunter2', 'Bearer', 'Basic ', 'authorization']) expect(all).not.toContain(secret);
  const basic = (await entries('read')).find((e) => e.credentialPrefix === PASSWORDS.member.username);
  expect(basic?.memberId).toBe('member');
});

test('buffered reads are flushed on close', async () => {
  await get('/taxii2/');
  expect((await m.store.queryAudit({ kind: 'read', limit: 10 })).entries).toHaveLength(0);
  await m.audit.close();
  expect((await m.store.queryAudit({ kind: 'read', limit: 10 })).entries).toHaveLength(1);
});

test('auditableQuery drops secret-looking parameters and keeps the rest', () => {
  expect(auditableQuery('/x/')).toBeUndefined();
  expect(auditableQuery('/x/?limit=5&next=abc%3D&Access_Token=t&match%5Btype%5D=indicator&client_secret=s')).toBe(
    'limit=5&next=abc%3D&match%5Btype%5D=indicator',
  );
  expect(auditableQuery('/x/?token=1&auth=2')).toBeUndefined();
});

// A POST is all or nothing: either a 202 whose status tells the truth, or an error with
// nothing stored. A fault is injected at each stage of a publish — parse, validate, store,
// status, distribute — through the real server and store, and afterwards the collection,
// the readers' views, the pending ledger and the statuses are looked at directly.
import pino from 'pino';
import request from 'supertest';
import { v4 as uuidv4 } from 'uuid';
import { createConcord, type Concord } from '../../src/main';
import { StixValidator } from '../../src/stix/stix-validator';
import type { Store } from '../../src/store/store';
import { memberView } from '../helpers/member-views';
import { testStoreKind } from '../helpers/test-store';
import { SHARED, TAXII, auth, makeTestApp, objectsUrl, testConfigObject, type TestApp } from '../helpers/test-app';

function indicator(): Record<string, unknown> {
  const t = '2025-01-01T00:00:00.000Z';
  return { type: 'indicator', spec_version: '2.1', id: `indicator--${uuidv4()}`, created: t, modified: t, pattern: "[ipv4-addr:value = '10.0.0.9']", pattern_type: 'stix', valid_from: t };
}

let t: TestApp;
afterEach(() => t.close());

async function post(app: TestApp['app'], objects: unknown[] | string) {
  return request(app)
    .post(objectsUrl(SHARED))
    .set(...auth('member'))
    .set('Content-Type', TAXII)
    .set('Accept', TAXII)
    .send(typeof objects === 'string' ? objects : JSON.stringify({ objects }));
}

/** Everything a publish could have left behind for these objects. */
async function traces(store: Store, ids: string[]) {
  const base = (await store.queryObjects({ partition: SHARED, ids, versions: { all: true }, limit: 100, withJson: false })).records.length;
  const view = (await store.queryObjects({ partition: await memberView(store, 'reader', SHARED), ids, versions: { all: true }, limit: 100, withJson: false })).records.length;
  const pending = (await store.pendingVersions(100)).filter((p) => ids.includes(p.id)).length;
  return { base, view, pending };
}

async function statusCount(store: Store): Promise<number> {
  const published = await store.queryAudit({ action: 'objects.add', limit: 1000 });
  return published.entries.length;
}

const NOTHING = { base: 0, view: 0, pending: 0 };

test('a body that does not parse stores nothing', async () => {
  t = await makeTestApp();
  const res = await post(t.app, '{"objects": [');
  expect(res.status).toBe(400);
  expect(JSON.parse(res.text)).toMatchObject({ http_status: '400' });
  expect(await statusCount(t.store)).toBe(0);
});

test('an object that does not parse, after batches already stored, undoes them: 400 and nothing stored', async () => {
  t = await makeTestApp();
  // Batches of 250 are stored as they go: the broken object is in the second.
  const objects = Array.from({ length: 300 }, () => indicator());
  const texts = objects.map((o) => JSON.stringify(o));
  texts[280] = (texts[280] as string).replace('"type":"indicator"', '"type":indicator');
  const res = await post(t.app, `{"objects":[${texts.join(',')}]}`);
  expect(res.status).toBe(400);
  expect(JSON.parse(res.text)).toMatchObject({ http_status: '400', description: expect.stringContaining('objects[280]') });
  const ids = objects.map((o) => o.id as string);
  for (let i = 0; i < ids.length; i += 100) expect(await traces(t.store, ids.slice(i, i + 100))).toEqual(NOTHING);
  expect(await statusCount(t.store)).toBe(0);
});

test('a store write that fails after batches already stored undoes them', async () => {
  t = await makeTestApp();
  const addObjects = t.store.addObjects.bind(t.store);
  let calls = 0;
  t.store.addObjects = async (...args) => {
    if (++calls === 2) throw new Error('injected: disk full at the second batch');
    return addObjects(...args);
  };
  const objects = Array.from({ length: 300 }, () => indicator());
  const res = await post(t.app, objects);
  expect(res.status).toBe(500);
  expect(calls).toBe(2);
  const ids = objects.map((o) => o.id as string);
  for (let i = 0; i < ids.length; i += 100) expect(await traces(t.store, ids.slice(i, i + 100))).toEqual(NOTHING);
});

test('a validator that fails stores nothing and answers a TAXII error', async () => {
  t = await makeTestApp();
  const validator = StixValidator.load();
  validator.validate = () => {
    throw new Error('injected: validator failed');
  };
  const other: Concord = await createConcord(t.config, pino({ level: 'silent' }), t.store, validator);
  try {
    const objects = [indicator(), indicator()];
    const res = await post(other.app, objects);
    expect(res.status).toBe(500);
    expect(JSON.parse(res.text)).toMatchObject({ http_status: '500' });
    expect(await traces(t.store, objects.map((o) => o.id as string))).toEqual(NOTHING);
  } finally {
    await other.closeValidation();
    await other.audit.close();
  }
});

test('a store write that fails stores nothing', async () => {
  t = await makeTestApp();
  t.store.addObjects = async () => {
    throw new Error('injected: disk full');
  };
  const objects = [indicator(), indicator()];
  const res = await post(t.app, objects);
  expect(res.status).toBe(500);
  expect(JSON.parse(res.text)).toMatchObject({ http_status: '500' });
  expect(await traces(t.store, objects.map((o) => o.id as string))).toEqual(NOTHING);
});

test('a status that cannot be kept undoes the publish: nothing stored, nothing pending', async () => {
  t = await makeTestApp();
  const kept = [indicator()];
  expect((await post(t.app, kept)).status).toBe(202);
  t.store.saveStatus = async () => {
    throw new Error('injected: status write failed');
  };
  // A duplicate of what the collection already holds stays; only what this request added goes.
  const objects = [indicator(), indicator()];
  const res = await post(t.app, [...objects, ...kept]);
  expect(res.status).toBe(500);
  expect(JSON.parse(res.text)).toMatchObject({ http_status: '500' });
  expect(await traces(t.store, objects.map((o) => o.id as string))).toEqual(NOTHING);
  expect(await traces(t.store, [kept[0]?.id as string])).toEqual({ base: 1, view: 1, pending: 0 });
});

test('a distribution that fails is acknowledged truthfully and finished from the store, without a restart', async () => {
  t = await makeTestApp();
  const write = t.store.addObjectsToMany.bind(t.store);
  let failures = 1;
  t.store.addObjectsToMany = async (batches, options) => {
    if (failures > 0) {
      failures--;
      throw new Error('injected: view write failed');
    }
    return write(batches, options);
  };
  const objects = [indicator(), indicator()];
  const ids = objects.map((o) => o.id as string);
  const res = await post(t.app, objects);
  expect(res.status).toBe(202);
  const status = JSON.parse(res.text) as { id: string; success_count: number; failure_count: number };
  expect(status).toMatchObject({ success_count: 2, failure_count: 0 });
  // Stored, pending, not yet in the reader's view; the status is kept.
  expect(await traces(t.store, ids)).toEqual({ base: 2, view: 0, pending: 2 });
  const kept = await request(t.app).get(`/hub/status/${status.id}/`).set(...auth('member')).set('Accept', TAXII);
  expect(kept.status).toBe(200);
  // Retried within seconds, by this process.
  const deadline = Date.now() + 10_000;
  const settled = async () => JSON.stringify(await traces(t.store, ids)) === JSON.stringify({ base: 2, view: 2, pending: 0 });
  while (!(await settled()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(await traces(t.store, ids)).toEqual({ base: 2, view: 2, pending: 0 });
  const seen = await request(t.app).get(objectsUrl(SHARED)).set(...auth('reader')).set('Accept', TAXII);
  expect((JSON.parse(seen.text) as { objects: Array<{ id: string }> }).objects.map((o) => o.id)).toEqual(expect.arrayContaining(ids));
});

test('an envelope larger than one SQL statement can name is stored and distributed whole', async () => {
  // SQLite takes at most 32,766 variables a statement; FerretDB's SQLite backend would take
  // minutes for as many, so the MongoDB store gets a smaller envelope.
  const count = testStoreKind() === 'mongodb' ? 3_000 : 40_000;
  const config = testConfigObject();
  for (const root of config.api_roots as Array<Record<string, unknown>>) root.max_content_length = 100 * 1024 * 1024;
  t = await makeTestApp({ config });
  const objects = Array.from({ length: count }, () => indicator());
  const res = await post(t.app, objects);
  expect(res.status).toBe(202);
  expect(JSON.parse(res.text)).toMatchObject({ success_count: count, failure_count: 0 });
  const view = await memberView(t.store, 'reader', SHARED);
  let seen = 0;
  let after: number | undefined;
  for (;;) {
    const page = await t.store.queryObjects({ partition: view, versions: { all: true }, limit: 10_000, withJson: false, ...(after !== undefined ? { after } : {}) });
    seen += page.records.length;
    if (!page.more) break;
    after = page.records.at(-1)?.dateAdded;
  }
  expect(seen).toBe(count);
  expect(await t.store.pendingVersions(10)).toEqual([]);
}, 180_000);

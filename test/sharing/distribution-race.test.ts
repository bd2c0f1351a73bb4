// Two Concord processes over one store (stateless servers behind a load
// balancer): a directory change made through one while the other is distributing a
// publish decided under the old directory. The views must follow the new policy: the
// store refuses view rows decided under a stale revision, and the distributor decides
// again.
import pino from 'pino';
import request from 'supertest';
import { v4 as uuidv4 } from 'uuid';
import { createConcord } from '../../src/main';
import { StixValidator } from '../../src/stix/stix-validator';
import { memberView } from '../helpers/member-views';
import type { Store } from '../../src/store/store';
import { DEFAULT_PROVIDER_TERMS, DEFAULT_RECIPIENT_TERMS } from '../../src/directory/mou';
import { SHARED, TAXII, auth, makeTestApp, objectsUrl, type TestApp } from '../helpers/test-app';

function indicator(): Record<string, unknown> {
  const t = '2025-01-01T00:00:00.000Z';
  return { type: 'indicator', spec_version: '2.1', id: `indicator--${uuidv4()}`, created: t, modified: t, pattern: "[ipv4-addr:value = '10.0.0.9']", pattern_type: 'stix', valid_from: t };
}

let t: TestApp;
afterEach(() => t.close());

test("a reader's access revoked through one process while another distributes: the reader's view never gets the object", async () => {
  t = await makeTestApp();
  const store: Store = t.store;
  // The second process: its own directory, distributor and app, over the same store.
  const other = await createConcord(t.config, pino({ level: 'silent' }), store, StixValidator.load());
  try {
    const o = indicator();
    // Just before the second process writes the views it decided (the reader may read),
    // the first process revokes the reader's access (and re-materialises its views).
    const write = store.addObjectsToMany.bind(store);
    const readerViewBefore = await memberView(store, 'reader', SHARED);
    let revoked = false;
    store.addObjectsToMany = async (batches, options) => {
      if (!revoked && batches.some((b) => b.partition === readerViewBefore)) {
        revoked = true;
        await t.concord.admin.directory.applyChanges({ memberId: 'admin' }, 'acl.revoke', {}, () => [
          { op: 'delete', kind: 'acl', key: { collectionId: SHARED, grantee: 'member:reader' } },
        ]);
      }
      return write(batches, options);
    };
    const r = await request(other.app).post(objectsUrl(SHARED)).set(...auth('member')).set('Content-Type', TAXII).send(JSON.stringify({ objects: [o] }));
    expect(r.status).toBe(202);
    expect(JSON.parse(r.text)).toMatchObject({ success_count: 1 });
    expect(revoked).toBe(true);
    expect(await store.hasObject(readerViewBefore, o.id as string)).toBe(false);
    expect(await store.hasObject(await memberView(store, 'reader', SHARED), o.id as string)).toBe(false);
    // Readers the change did not touch got it.
    expect(await store.hasObject(await memberView(store, 'member', SHARED), o.id as string)).toBe(true);
    const seen = await request(other.app).get(objectsUrl(SHARED)).set(...auth('reader'));
    expect(seen.status).toBe(404);
  } finally {
    await other.closeValidation();
    await other.audit.close();
  }
});

test('a class built in one process while another publishes keeps what the other process wrote', async () => {
  t = await makeTestApp();
  const store: Store = t.store;
  const other = await createConcord(t.config, pino({ level: 'silent' }), store, StixValidator.load());
  try {
    const o = indicator();
    // A change of the publisher's terms gives every class new views, built from the old
    // ones. While this process reads the reader's old view, the second process publishes:
    // the build must neither lose the new row nor take it for one it copied.
    const oldView = await memberView(store, 'reader', SHARED);
    const query = store.queryObjects.bind(store);
    let published = false;
    store.queryObjects = async (q) => {
      if (!published && q.partition === oldView) {
        published = true;
        const r = await request(other.app).post(objectsUrl(SHARED)).set(...auth('member')).set('Content-Type', TAXII).send(JSON.stringify({ objects: [o] }));
        expect(r.status).toBe(202);
      }
      return query(q);
    };
    await t.concord.admin.directory.applyChanges({ memberId: 'admin' }, 'mou.put', {}, () => [
      { op: 'put', kind: 'mou', record: { memberId: 'member', provide: { ...DEFAULT_PROVIDER_TERMS, stripReferenceUrls: ['^https://internal\\.example/'] }, receive: DEFAULT_RECIPIENT_TERMS } },
    ]);
    await t.concord.sharing.distributor.settled();
    expect(published).toBe(true);
    const newView = await memberView(store, 'reader', SHARED);
    expect(newView).not.toBe(oldView);
    expect(await store.hasObject(newView, o.id as string)).toBe(true);
    const seen = await request(t.app).get(objectsUrl(SHARED)).set(...auth('reader'));
    const ids = (JSON.parse(seen.text) as { objects: Array<{ id: string }> }).objects.map((x) => x.id);
    expect(ids).toContain(o.id);
    expect(new Set(ids).size).toBe(ids.length);
  } finally {
    await other.closeValidation();
    await other.audit.close();
  }
});

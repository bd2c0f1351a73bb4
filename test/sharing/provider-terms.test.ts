// Providers' terms through the real server: a change to what a provider shares (its MOU's
// provide terms, its identity, or the groups of a member that may write) gives every
// audience class new, empty views at the revision that makes it, so the admin request
// returns without recomputing anything and no member ever reads a view decided under the
// old terms; the views are built in the background, keeping the date_added of whatever
// the old views held in the same form, so that an added_after poller is sent only what
// is newly visible to it. A reader's own changes leave every other class as it was.
import pino from 'pino';
import request from 'supertest';
import { v4 as uuidv4 } from 'uuid';
import { hashToken } from '../../src/access/secrets';
import { audienceClasses } from '../../src/access/audience-classes';
import { DirectorySnapshot } from '../../src/access/directory-snapshot';
import { termsEpoch } from '../../src/access/provider-terms';
import type { DirectoryChange } from '../../src/directory/records';
import { DEFAULT_PROVIDER_TERMS, DEFAULT_RECIPIENT_TERMS, type Mou } from '../../src/directory/mou';
import { createConcord, type Concord } from '../../src/main';
import { StixValidator } from '../../src/stix/stix-validator';
import { newTestStore, testStoreKind } from '../helpers/test-store';
import { makeTestApp, TAXII, testConfigObject, type TestApp } from '../helpers/test-app';

const C = '50000000-0000-4000-8000-0000000000d1';
const TLP2 = {
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
};
const PUBLISHER = 'ohio';
/** Even readers are in `trusted`. */
const READERS = Array.from({ length: 6 }, (_, i) => `reader-${i}`);
const token = (m: string) => `${m}-token-0123456789`;

jest.setTimeout(testStoreKind() === 'mongodb' ? 120_000 : 30_000);

let t: TestApp;
let worker: Concord | undefined;

async function change(changes: DirectoryChange[]): Promise<void> {
  await t.concord.admin.directory.applyChanges({ memberId: 'admin' }, 'test.change', {}, () => changes);
}

function member(id: string, groups: string[]): DirectoryChange {
  return { op: 'put', kind: 'member', record: { id, name: id, groups, status: 'active' } };
}

function terms(amberTo: string[], greenTo: string[] = ['everyone']): DirectoryChange {
  const provide: Mou['provide'] = { ...DEFAULT_PROVIDER_TERMS, audiences: [{ markings: ['amber'], to: amberTo }, { markings: ['clear', 'green'], to: greenTo }] };
  return { op: 'put', kind: 'mou', record: { memberId: PUBLISHER, provide, receive: DEFAULT_RECIPIENT_TERMS } };
}

const indicator = (marking: keyof typeof TLP2) => ({
  type: 'indicator',
  spec_version: '2.1',
  id: `indicator--${uuidv4()}`,
  created: '2026-01-01T00:00:00.000Z',
  modified: '2026-01-01T00:00:00.000Z',
  pattern: "[ipv4-addr:value = '198.51.100.7']",
  pattern_type: 'stix',
  valid_from: '2026-01-01T00:00:00Z',
  object_marking_refs: [TLP2[marking]],
});

/** Polls objects/ as `as`, following `next`; returns the ids and X-TAXII-Date-Added-Last. */
async function poll(as: string, addedAfter?: string): Promise<{ ids: string[]; last: string | undefined }> {
  const ids: string[] = [];
  let last: string | undefined;
  let next: string | undefined;
  do {
    const query = [addedAfter ? `added_after=${encodeURIComponent(addedAfter)}` : '', next ? `next=${encodeURIComponent(next)}` : ''].filter(Boolean).join('&');
    const res = await request(t.app).get(`/hub/collections/${C}/objects/${query ? `?${query}` : ''}`).set('Authorization', `Bearer ${token(as)}`).set('Accept', TAXII);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as { objects?: Array<{ id: string }>; more?: boolean; next?: string };
    ids.push(...(body.objects ?? []).map((o) => o.id));
    last = (res.headers['x-taxii-date-added-last'] as string | undefined) ?? last;
    next = body.more ? body.next : undefined;
  } while (next);
  return { ids, last };
}

async function directoryNow() {
  return new DirectorySnapshot(await t.store.loadDirectory());
}

// More AMBER than a build's page (STORE_PAGE), so that GREEN is on a later page. On
// FerretDB's SQLite backend a build of that many takes minutes: the MongoDB store is given
// one page (how the copy step orders pages is the same code on either store).
const amber = Array.from({ length: testStoreKind() === 'mongodb' ? 20 : 1_010 }, () => indicator('amber'));
const green = Array.from({ length: 30 }, () => indicator('green'));

beforeAll(async () => {
  const cfg = testConfigObject({
    api_roots: [{ path: 'hub', title: 'Hub', collections: [{ id: C, title: 'Shared' }] }],
    users: [{ id: 'admin', admin: true, token_sha256: [hashToken(token('admin'))] }],
    // Acknowledged without waiting for any build.
    sharing: { policy_change_wait_ms: 0 },
  });
  t = await makeTestApp({ config: cfg, store: await newTestStore() });
  const changes: DirectoryChange[] = [{ op: 'put', kind: 'group', record: { id: 'trusted', name: 'Trusted' } }, member(PUBLISHER, [])];
  READERS.forEach((r, i) => changes.push(member(r, i % 2 === 0 ? ['trusted'] : [])));
  for (const m of [PUBLISHER, ...READERS]) {
    changes.push({ op: 'put', kind: 'credential', record: { id: `${m}-t`, memberId: m, kind: 'token', role: 'publisher', prefix: m, secretHash: hashToken(token(m)), createdAt: 0 } });
  }
  changes.push({ op: 'put', kind: 'acl', record: { collectionId: C, grantee: 'everyone', read: true, write: false } });
  changes.push({ op: 'put', kind: 'acl', record: { collectionId: C, grantee: `member:${PUBLISHER}`, read: true, write: true } });
  changes.push(terms(['group:trusted']));
  await change(changes);
  await t.concord.sharing.distributor.settled();
  // AMBER first, GREEN after: what a change makes newly visible is older than what stays.
  for (const objects of [amber, green]) {
    const res = await request(t.app).post(`/hub/collections/${C}/objects/`).set('Authorization', `Bearer ${token(PUBLISHER)}`).set('Content-Type', TAXII).send(JSON.stringify({ objects }));
    expect(res.status).toBe(202);
  }
});

afterAll(async () => {
  if (worker !== undefined) {
    await worker.sharing.distributor.stopBuilds();
    await worker.closeValidation();
    await worker.audit.close();
  }
  await t.close();
});

test('widening a provider\'s terms sends a poller only what became visible, not what it had', async () => {
  const outsider = READERS[1] as string;
  const before = await poll(outsider);
  expect(before.ids.sort()).toEqual(green.map((o) => o.id).sort());
  const epoch = termsEpoch((await directoryNow()).data);
  const classBefore = audienceClasses(await directoryNow()).of(outsider)?.id;

  await change([terms(['everyone'])]);
  const snapshot = await directoryNow();
  expect(termsEpoch(snapshot.data)).toBe(epoch + 1);
  // Every class has a new id: views decided under the old terms are never read again.
  expect(audienceClasses(snapshot).of(outsider)?.id).not.toBe(classBefore);
  await t.concord.sharing.distributor.settled();

  const since = await poll(outsider, before.last);
  expect(since.ids.sort()).toEqual(amber.map((o) => o.id).sort());
  expect((await poll(outsider)).ids).toHaveLength(amber.length + green.length);
  const audit = await request(t.app).get('/admin/v1/audit?action=test.change').set('Authorization', `Bearer ${token('admin')}`);
  expect((JSON.parse(audit.text) as { entries: Array<{ details: Record<string, unknown> }> }).entries.at(-1)?.details).toMatchObject({ termsEpoch: epoch + 1 });
});

test("a reader's own changes leave the epoch, and every other class, as they were", async () => {
  const epoch = termsEpoch((await directoryNow()).data);
  const before = audienceClasses(await directoryNow());
  // A reader moves group and gets receiving terms of its own; a reader joins with an MOU.
  await change([
    member(READERS[1] as string, ['trusted']),
    { op: 'put', kind: 'mou', record: { memberId: READERS[3] as string, provide: DEFAULT_PROVIDER_TERMS, receive: { ...DEFAULT_RECIPIENT_TERMS, markingCeiling: 'green' } } },
    member('newcomer', []),
    { op: 'put', kind: 'mou', record: { memberId: 'newcomer', provide: { ...DEFAULT_PROVIDER_TERMS, audiences: [] }, receive: DEFAULT_RECIPIENT_TERMS } },
  ]);
  const after = audienceClasses(await directoryNow());
  expect(termsEpoch((await directoryNow()).data)).toBe(epoch);
  for (const r of [READERS[0], READERS[2], READERS[4], READERS[5], PUBLISHER] as string[]) expect(after.of(r)?.id).toBe(before.of(r)?.id);
});

test('a former publisher that tightens its terms changes what everyone sees of what it published', async () => {
  await change([{ op: 'delete', kind: 'acl', key: { collectionId: C, grantee: `member:${PUBLISHER}` } }]);
  await t.concord.sharing.distributor.settled();
  const reader = READERS[5] as string;
  expect((await poll(reader)).ids).toHaveLength(amber.length + green.length);
  const epoch = termsEpoch((await directoryNow()).data);
  // Everything now to itself alone: what it published leaves every other view.
  await change([terms([`member:${PUBLISHER}`], [`member:${PUBLISHER}`])]);
  expect(termsEpoch((await directoryNow()).data)).toBe(epoch + 1);
  expect((await poll(reader)).ids).toEqual([]);
  await t.concord.sharing.distributor.settled();
  expect((await poll(reader)).ids).toEqual([]);
});

test('narrowing them hides at the revision that makes the change, before any build has run', async () => {
  const trusted = READERS[0] as string;
  await t.concord.sharing.distributor.stopBuilds();
  try {
    await change([terms([`member:${PUBLISHER}`])]);
    // Nothing is built yet: the class's new views are empty, and no AMBER is served.
    expect((await poll(trusted)).ids).toEqual([]);
    for (const o of [...amber.slice(0, 2), ...green.slice(0, 2)]) {
      const res = await request(t.app).get(`/hub/collections/${C}/objects/${o.id}/`).set('Authorization', `Bearer ${token(trusted)}`).set('Accept', TAXII);
      expect(res.status).toBe(404);
    }
    const builds = await request(t.app).get('/admin/v1/sharing/builds').set('Authorization', `Bearer ${token('admin')}`);
    const listed = (JSON.parse(builds.text) as { builds: Array<{ build: boolean; keptFromSeed: number }> }).builds;
    expect(listed).toHaveLength([...audienceClasses(await directoryNow()).all()].length);
    expect(listed.every((b) => b.build && b.keptFromSeed === 0)).toBe(true);
  } finally {
    // Another process (or the next start) builds them.
    worker = await createConcord(t.config, pino({ level: 'silent' }), t.store, StixValidator.load());
  }
  await worker.sharing.distributor.settled();
  expect((await poll(trusted)).ids.sort()).toEqual(green.map((o) => o.id).sort());
});

// Background class builds: a policy change that moves a member to a class nobody was in is
// acknowledged without waiting for that class's views. Until they are built the member sees
// only what it may (nothing, at first); the job, with its progress, is in the admin API;
// a process that stops leaves it to the next one, which finishes it; and the member's
// added_after poller then gets what it newly may see, and misses nothing.
import pino from 'pino';
import request from 'supertest';
import { v4 as uuidv4 } from 'uuid';
import { hashToken } from '../../src/access/secrets';
import { createConcord, type Concord } from '../../src/main';
import type { DirectoryChange } from '../../src/directory/records';
import { DEFAULT_PROVIDER_TERMS, DEFAULT_RECIPIENT_TERMS, type Mou } from '../../src/directory/mou';
import { StixValidator } from '../../src/stix/stix-validator';
import { newTestStore } from '../helpers/test-store';
import { makeTestApp, TAXII, testConfigObject, type TestApp } from '../helpers/test-app';

const C = '50000000-0000-4000-8000-0000000000c2';
const TLP2 = {
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
};
const PUBLISHER = 'ohio';
const IDENTITY = `identity--${uuidv4()}`;
const READERS = ['reader-a', 'reader-b', 'reader-c'];
const token = (m: string) => `${m}-token-0123456789`;

let t: TestApp;
let restarted: Concord | undefined;

function member(id: string, groups: string[]): DirectoryChange {
  return { op: 'put', kind: 'member', record: { id, name: id, groups, status: 'active', ...(id === PUBLISHER ? { identityRef: IDENTITY } : {}) } };
}

const indicator = (marking: keyof typeof TLP2, i: number) => ({
  type: 'indicator',
  spec_version: '2.1',
  id: `indicator--${uuidv4()}`,
  created: '2026-01-01T00:00:00.000Z',
  modified: '2026-01-01T00:00:00.000Z',
  pattern: `[ipv4-addr:value = '198.51.100.${i}']`,
  pattern_type: 'stix',
  valid_from: '2026-01-01T00:00:00Z',
  created_by_ref: IDENTITY,
  object_marking_refs: [TLP2[marking]],
});

async function poll(app: TestApp['app'], as: string, addedAfter?: string): Promise<{ ids: string[]; last: string | undefined }> {
  const ids: string[] = [];
  let last: string | undefined;
  let next: string | undefined;
  do {
    const query = [addedAfter ? `added_after=${encodeURIComponent(addedAfter)}` : '', next ? `next=${encodeURIComponent(next)}` : ''].filter(Boolean).join('&');
    const res = await request(app).get(`/hub/collections/${C}/objects/${query ? `?${query}` : ''}`).set('Authorization', `Bearer ${token(as)}`).set('Accept', TAXII);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as { objects?: Array<{ id: string }>; more?: boolean; next?: string };
    ids.push(...(body.objects ?? []).map((o) => o.id));
    last = (res.headers['x-taxii-date-added-last'] as string | undefined) ?? last;
    next = body.more ? body.next : undefined;
  } while (next);
  return { ids, last };
}

beforeAll(async () => {
  const store = await newTestStore();
  const cfg = testConfigObject({
    api_roots: [{ path: 'hub', title: 'Hub', collections: [{ id: C, title: 'Shared' }] }],
    users: [{ id: 'admin', admin: true, token_sha256: [hashToken(token('admin'))] }],
    // Acknowledged without waiting for any build.
    sharing: { policy_change_wait_ms: 0 },
  });
  t = await makeTestApp({ config: cfg, store });
  const changes: DirectoryChange[] = [{ op: 'put', kind: 'group', record: { id: 'trusted', name: 'Trusted' } }, member(PUBLISHER, [])];
  for (const r of READERS) changes.push(member(r, []));
  for (const m of [PUBLISHER, ...READERS]) {
    changes.push({ op: 'put', kind: 'credential', record: { id: `${m}-t`, memberId: m, kind: 'token', role: 'publisher', prefix: m, secretHash: hashToken(token(m)), createdAt: 0 } });
  }
  changes.push({ op: 'put', kind: 'acl', record: { collectionId: C, grantee: 'everyone', read: true, write: false } });
  changes.push({ op: 'put', kind: 'acl', record: { collectionId: C, grantee: `member:${PUBLISHER}`, read: true, write: true } });
  const provide: Mou['provide'] = { ...DEFAULT_PROVIDER_TERMS, audiences: [{ markings: ['amber'], to: ['group:trusted'] }, { markings: ['clear', 'green'], to: ['everyone'] }] };
  changes.push({ op: 'put', kind: 'mou', record: { memberId: PUBLISHER, provide, receive: DEFAULT_RECIPIENT_TERMS } });
  await t.concord.admin.directory.applyChanges({ memberId: 'admin' }, 'test.setup', {}, () => changes);
  await t.concord.sharing.distributor.settled();
});

afterAll(async () => {
  if (restarted !== undefined) {
    await restarted.sharing.distributor.stopBuilds();
    await restarted.closeValidation();
    await restarted.audit.close();
  }
  await t.close();
});

test('a move into a new class is acknowledged at once, hides at once, and is finished by the next process', async () => {
  const objects = [...Array.from({ length: 30 }, (_, i) => indicator('green', i)), ...Array.from({ length: 20 }, (_, i) => indicator('amber', 100 + i))];
  const res = await request(t.app).post(`/hub/collections/${C}/objects/`).set('Authorization', `Bearer ${token(PUBLISHER)}`).set('Content-Type', TAXII).send(JSON.stringify({ objects }));
  expect(res.status).toBe(202);
  const mover = READERS[0] as string;
  const before = await poll(t.app, mover);
  expect(before.ids).toHaveLength(30);

  // This process stops working builds (as one about to stop would); the change moves the
  // mover into a class of its own (the trusted group, and receiving terms nobody else has).
  await t.concord.sharing.distributor.stopBuilds();
  await t.concord.admin.directory.applyChanges({ memberId: 'admin' }, 'test.move', {}, () => [
    member(mover, ['trusted']),
    { op: 'put', kind: 'mou', record: { memberId: mover, provide: DEFAULT_PROVIDER_TERMS, receive: { ...DEFAULT_RECIPIENT_TERMS, markingCeiling: 'amber' } } },
  ]);

  // Its new class is not built: it sees nothing yet, by list or by id; the others are untouched.
  expect((await poll(t.app, mover)).ids).toEqual([]);
  expect((await request(t.app).get(`/hub/collections/${C}/objects/${objects[40]?.id as string}/`).set('Authorization', `Bearer ${token(mover)}`).set('Accept', TAXII)).status).toBe(404);
  expect((await poll(t.app, READERS[1] as string)).ids).toHaveLength(30);
  const pending = await request(t.app).get('/admin/v1/sharing/builds').set('Authorization', `Bearer ${token('admin')}`);
  expect(pending.status).toBe(200);
  expect(JSON.parse(pending.text)).toMatchObject({ builds: [{ members: 1, collections: 1, collectionsDone: 0, build: true }] });

  // The next process (a restart, or another server) takes the job up and finishes it.
  restarted = await createConcord(t.config, pino({ level: 'silent' }), t.store, StixValidator.load());
  await restarted.sharing.distributor.settled();
  const after = await poll(restarted.app, mover, before.last);
  // What it saw keeps its date_added (the old class was the seed): only the AMBER objects are new.
  expect(after.ids.sort()).toEqual(objects.slice(30).map((o) => o.id).sort());
  expect((await poll(restarted.app, mover)).ids).toHaveLength(50);
  const done = await request(restarted.app).get('/admin/v1/sharing/builds').set('Authorization', `Bearer ${token('admin')}`);
  expect(JSON.parse(done.text)).toEqual({ builds: [] });
  const audit = await t.store.queryAudit({ action: 'sharing.class.built', limit: 10 });
  expect(audit.entries.some((e) => (e.details as { members?: number }).members === 1)).toBe(true);
});

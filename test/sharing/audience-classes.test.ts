// Audience classes through the real server: members whose decisions are the same share
// stored views (rows per object follow the agreements, not the head count); a member that
// moves between classes sees, at once, only what its new class may see, and an
// added_after poller misses nothing it newly may see; classes nobody is in are dropped.
import request from 'supertest';
import { v4 as uuidv4 } from 'uuid';
import { hashToken } from '../../src/access/secrets';
import { audienceClasses } from '../../src/access/audience-classes';
import { DirectorySnapshot } from '../../src/access/directory-snapshot';
import type { DirectoryChange } from '../../src/directory/records';
import { DEFAULT_PROVIDER_TERMS, DEFAULT_RECIPIENT_TERMS, type Mou } from '../../src/directory/mou';
import { newTestStore } from '../helpers/test-store';
import { makeTestApp, TAXII, testConfigObject, type TestApp } from '../helpers/test-app';

const C = '50000000-0000-4000-8000-0000000000c1';
const TLP2 = {
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
};
const PUBLISHER = 'ohio';
const IDENTITY = `identity--${uuidv4()}`;
/** Twelve readers: even ones in `trusted` (AMBER goes to them), odd ones not. */
const READERS = Array.from({ length: 12 }, (_, i) => `reader-${String(i).padStart(2, '0')}`);
const token = (m: string) => `${m}-token-0123456789`;

let t: TestApp;

async function change(changes: DirectoryChange[]): Promise<void> {
  await t.concord.admin.directory.applyChanges({ memberId: 'admin' }, 'test.change', {}, () => changes);
}

function member(id: string, groups: string[]): DirectoryChange {
  return { op: 'put', kind: 'member', record: { id, name: id, groups, status: 'active', ...(id === PUBLISHER ? { identityRef: IDENTITY } : {}) } };
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
  created_by_ref: IDENTITY,
  object_marking_refs: [TLP2[marking]],
});

async function publish(objects: unknown[]): Promise<void> {
  const res = await request(t.app).post(`/hub/collections/${C}/objects/`).set('Authorization', `Bearer ${token(PUBLISHER)}`).set('Content-Type', TAXII).send(JSON.stringify({ objects }));
  expect(res.status).toBe(202);
  expect(JSON.parse(res.text)).toMatchObject({ failure_count: 0 });
}

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

async function status(as: string, id: string): Promise<number> {
  return (await request(t.app).get(`/hub/collections/${C}/objects/${id}/`).set('Authorization', `Bearer ${token(as)}`).set('Accept', TAXII)).status;
}

async function classesNow() {
  return audienceClasses(new DirectorySnapshot(await t.store.loadDirectory()));
}

/** Stored view rows (every class's view and feed) per object of the collection. */
async function viewRowsPerObject(objects: number): Promise<number> {
  const classes = await classesNow();
  let rows = 0;
  for (const cls of classes.all()) {
    for (const partition of [`view:${cls.id}:${C}`, `view:${cls.id}:feed`]) {
      rows += (await t.store.queryObjects({ partition, versions: { all: true }, limit: 100_000, withJson: false })).records.length;
    }
  }
  return rows / objects;
}

beforeAll(async () => {
  const store = await newTestStore();
  const cfg = testConfigObject({ api_roots: [{ path: 'hub', title: 'Hub', collections: [{ id: C, title: 'Shared' }] }], users: [{ id: 'admin', admin: true, token_sha256: [hashToken(token('admin'))] }] });
  t = await makeTestApp({ config: cfg, store });
  const changes: DirectoryChange[] = [{ op: 'put', kind: 'group', record: { id: 'trusted', name: 'Trusted' } }, member(PUBLISHER, [])];
  READERS.forEach((r, i) => changes.push(member(r, i % 2 === 0 ? ['trusted'] : [])));
  for (const m of [PUBLISHER, ...READERS]) {
    changes.push({ op: 'put', kind: 'credential', record: { id: `${m}-t`, memberId: m, kind: 'token', role: 'publisher', prefix: m, secretHash: hashToken(token(m)), createdAt: 0 } });
  }
  changes.push({ op: 'put', kind: 'acl', record: { collectionId: C, grantee: 'everyone', read: true, write: false } });
  changes.push({ op: 'put', kind: 'acl', record: { collectionId: C, grantee: `member:${PUBLISHER}`, read: true, write: true } });
  const provide: Mou['provide'] = { ...DEFAULT_PROVIDER_TERMS, audiences: [{ markings: ['amber'], to: ['group:trusted'] }, { markings: ['clear', 'green'], to: ['everyone'] }] };
  changes.push({ op: 'put', kind: 'mou', record: { memberId: PUBLISHER, provide, receive: DEFAULT_RECIPIENT_TERMS } });
  await change(changes);
});
afterAll(async () => t.close());

test('readers decided alike share one class: rows per object follow the agreements, not the readers', async () => {
  const classes = await classesNow();
  // The publisher (it sees its own objects as published), the trusted readers, the others.
  expect(new Set(READERS.map((r) => classes.of(r)?.id)).size).toBe(2);
  expect(classes.of(READERS[0] as string)?.members.map((m) => m.id)).toEqual(READERS.filter((_, i) => i % 2 === 0));
  expect(classes.of(PUBLISHER)?.members.map((m) => m.id)).toEqual([PUBLISHER]);
  await publish([indicator('green'), indicator('amber'), indicator('green'), indicator('amber')]);
  // Three classes (the admin member reads too, and is a fourth): each has a view and a
  // feed row per object it may see; twelve readers would have had 2 × 12.
  expect(await viewRowsPerObject(4)).toBeLessThanOrEqual(2 * 4);
  for (const [i, r] of READERS.entries()) expect((await poll(r)).ids).toHaveLength(i % 2 === 0 ? 4 : 2);
});

test('a member moved into an existing class: hidden at once, and its poller misses nothing it may now see', async () => {
  const mover = READERS[1] as string;
  const before = await poll(mover);
  expect(before.ids).toHaveLength(2);
  const amber = (await poll(READERS[0] as string)).ids.filter((id) => !before.ids.includes(id));
  expect(amber).toHaveLength(2);
  for (const id of amber) expect(await status(mover, id)).toBe(404);
  // Into the trusted class, whose AMBER rows are older than what the mover has polled.
  await change([member(mover, ['trusted'])]);
  expect((await classesNow()).of(mover)?.id).toBe((await classesNow()).of(READERS[0] as string)?.id);
  const after = await poll(mover, before.last);
  expect(after.ids.sort()).toEqual([...amber].sort());
  expect((await poll(mover)).ids).toHaveLength(4);
  // And back out: the AMBER objects are hidden from it at once, by id and in lists.
  await change([member(mover, [])]);
  for (const id of amber) expect(await status(mover, id)).toBe(404);
  expect((await poll(mover)).ids).toHaveLength(2);
  // The class it left still sees them.
  for (const id of amber) expect(await status(READERS[0] as string, id)).toBe(200);
});

test('a member moved into a new class starts from what it saw, and gets what it may now see after its last poll', async () => {
  const mover = READERS[3] as string;
  const before = await poll(mover);
  // A receiving agreement of its own (indicators up to AMBER: nothing it sees changes) and
  // the trusted group: a class nobody else is in.
  await change([
    member(mover, ['trusted']),
    { op: 'put', kind: 'mou', record: { memberId: mover, provide: DEFAULT_PROVIDER_TERMS, receive: { ...DEFAULT_RECIPIENT_TERMS, types: ['indicator'], markingCeiling: 'amber' } } },
  ]);
  const classes = await classesNow();
  expect(classes.of(mover)?.members.map((m) => m.id)).toEqual([mover]);
  const after = await poll(mover, before.last);
  // Only the AMBER objects are new to it; what it saw kept its date_added.
  expect(after.ids).toHaveLength(2);
  expect(after.ids.some((id) => before.ids.includes(id))).toBe(false);
  expect((await poll(mover)).ids).toHaveLength(4);
});

test('a class nobody is in any more is dropped with its views', async () => {
  const loner = READERS[3] as string;
  const lonely = (await classesNow()).of(loner)?.id as string;
  expect((await t.store.queryObjects({ partition: `view:${lonely}:feed`, versions: { all: true }, limit: 10, withJson: false })).records.length).toBeGreaterThan(0);
  await change([{ op: 'delete', kind: 'mou', key: loner }]);
  expect((await classesNow()).of(loner)?.id).toBe((await classesNow()).of(READERS[0] as string)?.id);
  expect((await t.store.queryObjects({ partition: `view:${lonely}:feed`, versions: { all: true }, limit: 10, withJson: false })).records).toEqual([]);
  expect((await t.store.queryObjects({ partition: `view:${lonely}:${C}`, versions: { all: true }, limit: 10, withJson: false })).records).toEqual([]);
});

test('a publisher changing its terms changes what every class sees, at once after the change', async () => {
  const amberIds = (await poll(READERS[0] as string)).ids;
  const last = (await poll(READERS[0] as string)).last;
  // AMBER now to the publisher alone: hidden from every trusted reader.
  const provide: Mou['provide'] = { ...DEFAULT_PROVIDER_TERMS, audiences: [{ markings: ['amber'], to: [`member:${PUBLISHER}`] }, { markings: ['clear', 'green'], to: ['everyone'] }] };
  await change([{ op: 'put', kind: 'mou', record: { memberId: PUBLISHER, provide, receive: DEFAULT_RECIPIENT_TERMS } }]);
  for (const r of READERS.filter((_, i) => i % 2 === 0)) expect((await poll(r)).ids).toHaveLength(2);
  // Back to the trusted group: newly visible again, after the last poll.
  const restored: Mou['provide'] = { ...DEFAULT_PROVIDER_TERMS, audiences: [{ markings: ['amber'], to: ['group:trusted'] }, { markings: ['clear', 'green'], to: ['everyone'] }] };
  await change([{ op: 'put', kind: 'mou', record: { memberId: PUBLISHER, provide: restored, receive: DEFAULT_RECIPIENT_TERMS } }]);
  const again = await poll(READERS[0] as string, last);
  expect(again.ids).toHaveLength(2);
  expect((await poll(READERS[0] as string)).ids.sort()).toEqual([...amberIds].sort());
});

test('a former publisher sharing a class gives its classmates nothing of its own that they may not see', async () => {
  // A second publisher whose AMBER goes to a group nobody is in; it sorts before every other
  // member of the class it joins (the admin and the readers), so it would be its first.
  const former = 'aardvark';
  await change([
    { op: 'put', kind: 'group', record: { id: 'vault', name: 'Nobody' } },
    member(former, []),
    { op: 'put', kind: 'credential', record: { id: `${former}-t`, memberId: former, kind: 'token', role: 'publisher', prefix: former, secretHash: hashToken(token(former)), createdAt: 0 } },
    { op: 'put', kind: 'acl', record: { collectionId: C, grantee: `member:${former}`, read: true, write: true } },
    { op: 'put', kind: 'mou', record: { memberId: former, provide: { ...DEFAULT_PROVIDER_TERMS, audiences: [{ markings: ['amber'], to: ['group:vault'] }] }, receive: DEFAULT_RECIPIENT_TERMS } },
  ]);
  const secret = { ...indicator('amber'), created_by_ref: undefined };
  delete (secret as Record<string, unknown>).created_by_ref;
  const res = await request(t.app).post(`/hub/collections/${C}/objects/`).set('Authorization', `Bearer ${token(former)}`).set('Content-Type', TAXII).send(JSON.stringify({ objects: [secret] }));
  expect(res.status).toBe(202);
  expect(JSON.parse(res.text)).toMatchObject({ success_count: 1 });
  expect(await status(former, secret.id)).toBe(200);
  const odd = READERS[5] as string;
  expect(await status(odd, secret.id)).toBe(404);
  // It may no longer write: it now reads like the readers outside the trusted group.
  await change([{ op: 'put', kind: 'acl', record: { collectionId: C, grantee: `member:${former}`, read: true, write: false } }]);
  const classes = await classesNow();
  expect(classes.of(former)?.id).toBe(classes.of(odd)?.id);
  expect(await status(odd, secret.id)).toBe(404);
  expect((await poll(odd)).ids).not.toContain(secret.id);
  // A change every class reads recomputes the class, decided for one of its members.
  const provide: Mou['provide'] = { ...DEFAULT_PROVIDER_TERMS, strip: ['x_internal_*'], audiences: [{ markings: ['amber'], to: ['group:trusted'] }, { markings: ['clear', 'green'], to: ['everyone'] }] };
  await change([{ op: 'put', kind: 'mou', record: { memberId: PUBLISHER, provide, receive: DEFAULT_RECIPIENT_TERMS } }]);
  expect(await status(odd, secret.id)).toBe(404);
  expect((await poll(odd)).ids).not.toContain(secret.id);
  // The former publisher is decided as its class now: its own objects are seen as
  // published only while it may write (docs/sharing.md).
  expect(await status(former, secret.id)).toBe(404);
  // Explain agrees with what its view holds.
  const explained = await request(t.app).get(`/admin/v1/explain?member=${former}&object=${secret.id}`).set('Authorization', `Bearer ${token('admin')}`);
  expect(explained.status).toBe(200);
  expect(JSON.parse(explained.text)).toMatchObject({ consistent: true });
});

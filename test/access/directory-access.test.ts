// The one place that decides what a member may do with a collection (directory-snapshot.ts)
// and how credentials are admitted (authenticator.ts), over a real store.
import { DirectoryAuthenticator } from '../../src/access/authenticator';
import { DirectorySnapshot } from '../../src/access/directory-snapshot';
import { LiveDirectory } from '../../src/access/live-directory';
import { hashPassword, hashToken } from '../../src/access/secrets';
import type { CollectionRecord, CredentialRecord, DirectoryChange, DirectoryData } from '../../src/directory/records';
import { newTestStore } from '../helpers/test-store';
import type { Store } from '../../src/store/store';

const C = (id: string, extra: Partial<CollectionRecord> = {}): CollectionRecord => ({
  id,
  apiRoot: 'hub',
  title: id,
  mediaTypes: ['application/stix+json;version=2.1'],
  validation: 'standard',
  allowCustom: true,
  ...extra,
});
const OUTBOX = '10000000-0000-4000-8000-000000000001';
const SHARED = '10000000-0000-4000-8000-000000000002';
const BROADCAST = '10000000-0000-4000-8000-000000000003';
const PRIVATE = '10000000-0000-4000-8000-000000000004';

function directory(): DirectoryData {
  return {
    revision: 1,
    mous: [],
    apiRoots: [{ path: 'hub', title: 'Hub', maxContentLength: 1024 }],
    collections: [C(OUTBOX, { owner: 'ohio' }), C(SHARED), C(BROADCAST), C(PRIVATE)],
    members: [
      { id: 'ohio', name: 'Ohio', groups: ['states'], status: 'active' },
      { id: 'indiana', name: 'Indiana', groups: ['states', 'ghost-group'], status: 'active' },
      { id: 'isac', name: 'ISAC', groups: [], status: 'active' },
      { id: 'gone', name: 'Suspended', groups: ['states'], status: 'suspended' },
    ],
    groups: [{ id: 'states', name: 'States' }],
    credentials: [],
    acl: [
      { collectionId: SHARED, grantee: 'group:states', read: true, write: true },
      { collectionId: SHARED, grantee: 'member:isac', read: true, write: false },
      { collectionId: BROADCAST, grantee: 'everyone', read: true, write: false },
      { collectionId: PRIVATE, grantee: 'group:ghost-group', read: true, write: true },
    ],
  };
}

describe('DirectorySnapshot.accessOf', () => {
  const d = new DirectorySnapshot(directory());
  const access = (member: string, role: 'reader' | 'publisher' = 'publisher') => Object.fromEntries(d.accessOf(member, role));

  test('the owner reads and writes its outbox; groups, members and everyone grant what their entries say', () => {
    expect(access('ohio')).toEqual({ [OUTBOX]: 'rw', [SHARED]: 'rw', [BROADCAST]: 'r' });
    expect(access('isac')).toEqual({ [SHARED]: 'r', [BROADCAST]: 'r' });
  });

  test('a reader credential never writes, whatever the ACL', () => {
    expect(access('ohio', 'reader')).toEqual({ [OUTBOX]: 'r', [SHARED]: 'r', [BROADCAST]: 'r' });
  });

  test('a group that does not exist grants nothing; another member’s outbox is invisible', () => {
    expect(access('indiana')).toEqual({ [SHARED]: 'rw', [BROADCAST]: 'r' });
  });

  test('a suspended member and an unknown member may use nothing', () => {
    expect(access('gone')).toEqual({});
    expect(access('nobody')).toEqual({});
  });
});

describe('DirectoryAuthenticator over a live store', () => {
  let store: Store;
  let now = 1_000;
  let auth: DirectoryAuthenticator;
  const token = (id: string, extra: Partial<CredentialRecord> = {}): DirectoryChange => ({
    op: 'put',
    kind: 'credential',
    record: { id, memberId: 'ohio', kind: 'token', role: 'publisher', prefix: id, secretHash: hashToken(`secret-${id}`), createdAt: 0, ...extra },
  });
  const apply = async (changes: DirectoryChange[]) => store.applyDirectoryChanges(changes, [], await store.directoryRevision());

  beforeEach(async () => {
    store = await newTestStore();
    const d = directory();
    await apply([
      ...d.apiRoots.map((record): DirectoryChange => ({ op: 'put', kind: 'apiRoot', record })),
      ...d.groups.map((record): DirectoryChange => ({ op: 'put', kind: 'group', record })),
      ...d.members.map((record): DirectoryChange => ({ op: 'put', kind: 'member', record })),
      ...d.collections.map((record): DirectoryChange => ({ op: 'put', kind: 'collection', record })),
      ...d.acl.map((record): DirectoryChange => ({ op: 'put', kind: 'acl', record })),
      token('live'),
      token('expiring', { expiresAt: 2_000 }),
      token('revoked', { revokedAt: 500 }),
      token('of-suspended', { memberId: 'gone' }),
      {
        op: 'put',
        kind: 'credential',
        record: { id: 'pw', memberId: 'ohio', kind: 'password', role: 'reader', prefix: 'ohio-siem', username: 'ohio-siem', secretHash: hashPassword('correct horse battery'), createdAt: 0 },
      },
    ]);
    now = 1_000;
    auth = new DirectoryAuthenticator(new LiveDirectory(store), [], () => now);
  });
  afterEach(async () => store.close());

  test('a live token admits its member with its role and access', async () => {
    const r = await auth.byToken('secret-live');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.principal).toMatchObject({ id: 'ohio', credentialId: 'live', credentialPrefix: 'live', role: 'publisher', admin: false });
    expect(r.principal.collections.get(SHARED)).toBe('rw');
  });

  test('unknown, revoked and expired tokens are refused; a suspended member is told so', async () => {
    expect(await auth.byToken('secret-nope')).toEqual({ ok: false, reason: 'invalid' });
    expect(await auth.byToken('secret-revoked')).toEqual({ ok: false, reason: 'invalid' });
    expect((await auth.byToken('secret-expiring')).ok).toBe(true);
    now = 2_000;
    expect(await auth.byToken('secret-expiring')).toEqual({ ok: false, reason: 'expired' });
    expect(await auth.byToken('secret-of-suspended')).toEqual({ ok: false, reason: 'suspended' });
  });

  test('a change in the store takes effect at the next authentication (suspend, revoke, resume)', async () => {
    expect((await auth.byToken('secret-live')).ok).toBe(true);
    await apply([{ op: 'put', kind: 'member', record: { id: 'ohio', name: 'Ohio', groups: ['states'], status: 'suspended' } }]);
    expect(await auth.byToken('secret-live')).toEqual({ ok: false, reason: 'suspended' });
    await apply([{ op: 'put', kind: 'member', record: { id: 'ohio', name: 'Ohio', groups: ['states'], status: 'active' } }]);
    expect((await auth.byToken('secret-live')).ok).toBe(true);
    await apply([token('live', { revokedAt: now })]);
    expect(await auth.byToken('secret-live')).toEqual({ ok: false, reason: 'invalid' });
  });

  test('Basic: the right password admits, a wrong one does not; a cached pair stops working once revoked', async () => {
    const ok = await auth.byPassword('ohio-siem', 'correct horse battery');
    expect(ok.ok && ok.principal.role).toBe('reader');
    expect(await auth.byPassword('ohio-siem', 'wrong')).toEqual({ ok: false, reason: 'invalid' });
    expect(await auth.byPassword('nobody', 'correct horse battery')).toEqual({ ok: false, reason: 'invalid' });
    // The verified pair is cached; revoking must still cut it.
    expect((await auth.byPassword('ohio-siem', 'correct horse battery')).ok).toBe(true);
    const revoked: DirectoryChange = {
      op: 'put',
      kind: 'credential',
      record: { id: 'pw', memberId: 'ohio', kind: 'password', role: 'reader', prefix: 'ohio-siem', username: 'ohio-siem', secretHash: 'x', createdAt: 0, revokedAt: now },
    };
    await apply([revoked]);
    expect(await auth.byPassword('ohio-siem', 'correct horse battery')).toEqual({ ok: false, reason: 'invalid' });
  });
});

// Storage contract: the directory and its revision.
import type { Store } from '../../../src/store/store';
import { DirectoryConflict, type DirectoryChange } from '../../../src/directory/records';
import { COLLECTION, OTHER_COLLECTION, stixId, ver, T1, type ContractSubject } from './fixtures';

export function directoryContract(subject: ContractSubject): void {
  let store: Store;
  beforeEach(() => {
    store = subject.current();
  });

  describe('directory', () => {
    const root: DirectoryChange = { op: 'put', kind: 'apiRoot', record: { path: 'hub', title: 'Hub', maxContentLength: 1024 } };
    const member: DirectoryChange = { op: 'put', kind: 'member', record: { id: 'ohio', name: 'Ohio', groups: ['states'], status: 'active' } };
    const group: DirectoryChange = { op: 'put', kind: 'group', record: { id: 'states', name: 'States', managed: true } };
    const collection: DirectoryChange = {
      op: 'put',
      kind: 'collection',
      record: { id: COLLECTION, apiRoot: 'hub', title: 'Shared', mediaTypes: ['application/stix+json;version=2.1'], validation: 'standard', allowCustom: true, owner: 'ohio' },
    };
    const acl: DirectoryChange = { op: 'put', kind: 'acl', record: { collectionId: COLLECTION, grantee: 'group:states', read: true, write: false } };
    const credential: DirectoryChange = {
      op: 'put',
      kind: 'credential',
      record: { id: 'cred-1', memberId: 'ohio', kind: 'token', role: 'publisher', prefix: 'concord_abcdefgh', secretHash: 'f'.repeat(64), createdAt: 1, expiresAt: 2 },
    };

    test('a new store has an empty directory at revision 0', async () => {
      expect(await store.directoryRevision()).toBe(0);
      expect(await store.loadDirectory()).toEqual({ revision: 0, apiRoots: [], collections: [], members: [], groups: [], credentials: [], acl: [], mous: [], termsEpochs: [] });
    });

    test("the providers' terms epoch is kept with the change that bumps it, and replaced by the next", async () => {
      const base = await store.directoryRevision();
      await store.applyDirectoryChanges([{ op: 'put', kind: 'termsEpoch', record: { id: 'providers', epoch: 1 } }], [], base);
      expect((await store.loadDirectory()).termsEpochs).toEqual([{ id: 'providers', epoch: 1 }]);
      await store.applyDirectoryChanges([{ op: 'put', kind: 'termsEpoch', record: { id: 'providers', epoch: 2 } }], [], base + 1);
      const loaded = await store.loadDirectory();
      expect(loaded.termsEpochs).toEqual([{ id: 'providers', epoch: 2 }]);
      expect(loaded.revision).toBe(base + 2);
    });

    test('a MOU is put, replaced and deleted by its member id', async () => {
      const mou: DirectoryChange = {
        op: 'put',
        kind: 'mou',
        record: {
          memberId: 'ohio',
          provide: {
            defaultMarking: 'amber',
            audiences: [{ markings: ['red'], types: ['report'], to: ['member:michigan'], except: ['group:partners'] }],
            attribution: 'pseudonymise',
            strip: ['x_internal_*'],
            stripReferenceUrls: ['^https://intranet\\.'],
            embargoHours: 2,
            embargoUntilReleased: true,
          },
          receive: { types: ['indicator'], markingCeiling: 'green', sources: ['group:states'], acceptPseudonymised: false, relationshipClosed: true },
          managed: true,
        },
      };
      await store.applyDirectoryChanges([member, mou], [], 0);
      expect((await store.loadDirectory()).mous).toEqual([mou.op === 'put' && mou.record]);
      const replaced: DirectoryChange = {
        op: 'put',
        kind: 'mou',
        record: { memberId: 'ohio', provide: { defaultMarking: 'green', audiences: [], attribution: 'keep', strip: [], stripReferenceUrls: [], embargoHours: 0, embargoUntilReleased: false }, receive: { markingCeiling: 'red', acceptPseudonymised: true, relationshipClosed: true } },
      };
      await store.applyDirectoryChanges([replaced], [], 1);
      expect((await store.loadDirectory()).mous).toEqual([replaced.op === 'put' && replaced.record]);
      await store.applyDirectoryChanges([{ op: 'delete', kind: 'mou', key: 'ohio' }], [], 2);
      const d = await store.loadDirectory();
      expect(d.mous).toEqual([]);
      expect(d.members).toHaveLength(1);
    });

    test('changes are applied together, records come back exactly, and the revision moves by one', async () => {
      const revision = await store.applyDirectoryChanges([root, group, member, collection, acl, credential], [], 0);
      expect(revision).toBe(1);
      expect(await store.directoryRevision()).toBe(1);
      const d = await store.loadDirectory();
      expect(d.revision).toBe(1);
      expect(d.apiRoots).toEqual([root.op === 'put' && root.record]);
      expect(d.members).toEqual([member.op === 'put' && member.record]);
      expect(d.groups).toEqual([group.op === 'put' && group.record]);
      expect(d.collections).toEqual([collection.op === 'put' && collection.record]);
      expect(d.acl).toEqual([acl.op === 'put' && acl.record]);
      expect(d.credentials).toEqual([credential.op === 'put' && credential.record]);
    });

    test('a put replaces the record with the same key; deletes remove by key (ACL entries by collection and grantee)', async () => {
      await store.applyDirectoryChanges([root, group, member, collection, acl], [], 0);
      const renamed: DirectoryChange = { op: 'put', kind: 'member', record: { id: 'ohio', name: 'State of Ohio', groups: [], status: 'suspended' } };
      const widened: DirectoryChange = { op: 'put', kind: 'acl', record: { collectionId: COLLECTION, grantee: 'group:states', read: true, write: true } };
      await store.applyDirectoryChanges([renamed, widened], [], 1);
      let d = await store.loadDirectory();
      expect(d.members).toEqual([renamed.op === 'put' && renamed.record]);
      expect(d.acl).toEqual([widened.op === 'put' && widened.record]);
      await store.applyDirectoryChanges(
        [
          { op: 'delete', kind: 'acl', key: { collectionId: COLLECTION, grantee: 'group:states' } },
          { op: 'delete', kind: 'group', key: 'states' },
          { op: 'delete', kind: 'apiRoot', key: 'nowhere' },
        ],
        [],
        2,
      );
      d = await store.loadDirectory();
      expect(d.revision).toBe(3);
      expect(d.acl).toEqual([]);
      expect(d.groups).toEqual([]);
      expect(d.apiRoots).toHaveLength(1);
    });

    test('a stale expected revision changes nothing and throws DirectoryConflict', async () => {
      await store.applyDirectoryChanges([root], [], 0);
      await expect(store.applyDirectoryChanges([member], [{ at: 1, kind: 'admin', action: 'member.create' }], 0)).rejects.toBeInstanceOf(DirectoryConflict);
      const d = await store.loadDirectory();
      expect(d.revision).toBe(1);
      expect(d.members).toEqual([]);
      expect((await store.queryAudit({ limit: 10 })).entries).toEqual([]);
    });

    test('addObjectsToMany with a directory revision writes only while the directory is at it', async () => {
      const [a, b] = [stixId('indicator'), stixId('indicator')];
      await store.applyDirectoryChanges([root], [], 0);
      const stale = store.addObjectsToMany([{ partition: COLLECTION, versions: [ver(a, T1)] }, { partition: OTHER_COLLECTION, versions: [ver(a, T1)] }], { directoryRevision: 0 });
      await expect(stale).rejects.toBeInstanceOf(DirectoryConflict);
      await expect(store.presentAmong(COLLECTION, [a])).resolves.toEqual(new Set());
      await expect(store.presentAmong(OTHER_COLLECTION, [a])).resolves.toEqual(new Set());
      const [outcomes] = await store.addObjectsToMany([{ partition: COLLECTION, versions: [ver(b, T1)] }], { directoryRevision: 1 });
      expect(outcomes?.[0]?.outcome).toBe('added');
      await expect(store.presentAmong(COLLECTION, [a, b])).resolves.toEqual(new Set([b]));
    });

    test('concurrent changes from the same revision: exactly one wins', async () => {
      const results = await Promise.allSettled([
        store.applyDirectoryChanges([member], [], 0),
        store.applyDirectoryChanges([group], [], 0),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await store.directoryRevision()).toBe(1);
    });
  });
}

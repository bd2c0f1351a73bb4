// Storage contract, objects: whether a partition holds an object, and deleting versions.
import type { Store } from '../../../src/store/store';
import {
  ALL,
  LAST,
  FIRST,
  FIRST_AND_LAST,
  NONE,
  exact,
  COLLECTION,
  OTHER_COLLECTION,
  stixId,
  key,
  ver,
  query,
  expectStrictlyIncreasing,
  added,
  T1,
  T1_MS,
  T2,
  T3,
  T4,
  ids,
  versionsOf,
  type ContractSubject,
} from './fixtures';

export function objectPresenceAndDeletionContract(subject: ContractSubject): void {
  let store: Store;
  beforeEach(() => {
    store = subject.current();
  });

  describe('hasObject', () => {
    test('true when any version is in the collection, false otherwise', async () => {
      const id = stixId('indicator');
      await expect(store.hasObject(COLLECTION, id)).resolves.toBe(false);
      await store.addObjects(COLLECTION, [ver(id, T1), ver(id, T2)]);
      await expect(store.hasObject(COLLECTION, id)).resolves.toBe(true);
      await expect(store.hasObject(OTHER_COLLECTION, id)).resolves.toBe(false);
      await expect(store.hasObject(COLLECTION, stixId('indicator'))).resolves.toBe(false);
      await store.deleteObject(COLLECTION, id, LAST);
      await expect(store.hasObject(COLLECTION, id)).resolves.toBe(true);
      await store.deleteObject(COLLECTION, id, LAST);
      await expect(store.hasObject(COLLECTION, id)).resolves.toBe(false);
    });

    test('true for an unversioned object', async () => {
      const id = stixId('ipv4-addr');
      await store.addObjects(COLLECTION, [ver(id, undefined)]);
      await expect(store.hasObject(COLLECTION, id)).resolves.toBe(true);
    });

    test('presentAmong answers hasObject for many ids at once: per collection, repeated and long lists', async () => {
      const [a, b, c] = [stixId('indicator'), stixId('ipv4-addr'), stixId('malware')];
      await store.addObjects(COLLECTION, [ver(a, T1), ver(a, T2), ver(b, undefined)]);
      await store.addObjects(OTHER_COLLECTION, [ver(c, T1)]);
      await expect(store.presentAmong(COLLECTION, [])).resolves.toEqual(new Set());
      await expect(store.presentAmong(COLLECTION, [a, b, c, a])).resolves.toEqual(new Set([a, b]));
      await expect(store.presentAmong(OTHER_COLLECTION, [a, b, c])).resolves.toEqual(new Set([c]));
      const many = [...Array.from({ length: 1200 }, () => stixId('note')), b];
      await expect(store.presentAmong(COLLECTION, many)).resolves.toEqual(new Set([b]));
      await store.deleteObject(COLLECTION, a, ALL);
      await expect(store.presentAmong(COLLECTION, [a, b])).resolves.toEqual(new Set([b]));
    });
  });

  describe('deleteObject', () => {
    test('all removes every version of that object only, and returns how many', async () => {
      const id = stixId('indicator');
      const keep = stixId('indicator');
      await store.addObjects(COLLECTION, [ver(id, T1), ver(keep, T1), ver(id, T2), ver(id, T3)]);
      expect(await store.deleteObject(COLLECTION, id, ALL)).toBe(3);
      await expect(store.hasObject(COLLECTION, id)).resolves.toBe(false);
      expect(ids((await store.queryObjects(query(COLLECTION))).records)).toEqual([keep]);
      expect(await store.deleteObject(COLLECTION, id, ALL)).toBe(0);
    });

    test('specific versions: exact keys in any spelling, first, last', async () => {
      const id = stixId('malware');
      await store.addObjects(COLLECTION, [ver(id, T1), ver(id, T2), ver(id, T3), ver(id, T4)]);
      expect(await store.deleteObject(COLLECTION, id, exact('2024-01-01T00:00:02Z', T1_MS))).toBe(2);
      expect(versionsOf((await store.queryObjects(query(COLLECTION))).records)).toEqual([T3, T4]);
      expect(await store.deleteObject(COLLECTION, id, FIRST)).toBe(1);
      expect(versionsOf((await store.queryObjects(query(COLLECTION))).records)).toEqual([T4]);
      expect(await store.deleteObject(COLLECTION, id, LAST)).toBe(1);
      await expect(store.hasObject(COLLECTION, id)).resolves.toBe(false);
    });

    test('with specVersions, only versions of those spec versions are deleted', async () => {
      const id = stixId('indicator');
      await store.addObjects(COLLECTION, [ver(id, T1, { specVersion: '2.0' }), ver(id, T2), ver(id, T3, { specVersion: '2.0' })]);
      expect(await store.deleteObject(COLLECTION, id, LAST, ['2.1'])).toBe(0); // last is T3, a 2.0 version
      expect(await store.deleteObject(COLLECTION, id, ALL, ['2.0'])).toBe(2);
      const left = (await store.queryObjects(query(COLLECTION, { versions: FIRST_AND_LAST }))).records;
      expect(versionsOf(left)).toEqual([T2]);
    });

    test('nothing matching deletes nothing and returns 0', async () => {
      const id = stixId('indicator');
      await store.addObjects(COLLECTION, [ver(id, T1), ver(id, T2)]);
      const before = await store.queryObjects(query(COLLECTION, { withJson: true }));
      expect(await store.deleteObject(COLLECTION, stixId('indicator'), ALL)).toBe(0);
      expect(await store.deleteObject(COLLECTION, id, exact(T3))).toBe(0);
      expect(await store.deleteObject(COLLECTION, id, NONE)).toBe(0);
      expect(await store.deleteObject(COLLECTION, id, ALL, ['2.0'])).toBe(0);
      expect(await store.deleteObject(OTHER_COLLECTION, id, ALL)).toBe(0);
      expect(await store.queryObjects(query(COLLECTION, { withJson: true }))).toEqual(before);
      expect(versionsOf((await store.queryObjects(query(COLLECTION, { versions: LAST }))).records)).toEqual([T2]);
      expect(versionsOf((await store.queryObjects(query(COLLECTION, { versions: FIRST }))).records)).toEqual([T1]);
    });

    test('a deleted version can be added again, as a new addition with a later date_added', async () => {
      const id = stixId('indicator');
      const [first] = await store.addObjects(COLLECTION, [ver(id, T1)]);
      await store.addObjects(COLLECTION, [ver(stixId('malware'), T1)]);
      expect(await store.deleteObject(COLLECTION, id, ALL)).toBe(1);
      const [again] = await store.addObjects(COLLECTION, [ver(id, T1)]);
      expect(again?.outcome).toBe('added');
      expect(added(again).dateAdded).toBeGreaterThan(added(first).dateAdded);
      const all = (await store.queryObjects(query(COLLECTION))).records;
      expectStrictlyIncreasing(all.map((r) => r.dateAdded));
      expect(all[all.length - 1]?.id).toBe(id);
    });

    test('deleting an unversioned object, then re-adding it, gives it a new version', async () => {
      const id = stixId('ipv4-addr');
      const v1 = added((await store.addObjects(COLLECTION, [ver(id, undefined)]))[0]).version;
      expect(await store.deleteObject(COLLECTION, id, exact(v1))).toBe(1);
      const v2 = added((await store.addObjects(COLLECTION, [ver(id, undefined)]))[0]).version;
      expect(key(v2) > key(v1)).toBe(true);
    });
  });

  describe('redate and dropPartition', () => {
    test('redate moves versions after every other, in the order given', async () => {
      const a = stixId('indicator');
      const b = stixId('malware');
      const c = stixId('tool');
      await store.addObjects(COLLECTION, [ver(a, T1), ver(b, T1), ver(c, T1)]);
      await expect(store.redate(COLLECTION, [{ id: b, versionKey: key(T1) }, { id: a, versionKey: key(T1) }, { id: stixId('tool'), versionKey: key(T1) }])).resolves.toBe(2);
      const records = (await store.queryObjects(query(COLLECTION, { versions: ALL }))).records;
      expect(ids(records)).toEqual([c, b, a]);
      expectStrictlyIncreasing(records.map((r) => r.dateAdded));
      const [next] = await store.addObjects(COLLECTION, [ver(stixId('tool'), T1)]);
      expect(added(next).dateAdded).toBeGreaterThan(Math.max(...records.map((r) => r.dateAdded)));
    });

    test('deleteVersions deletes exactly the versions named, and keeps first/last right', async () => {
      const a = stixId('indicator');
      const b = stixId('malware');
      await store.addObjects(COLLECTION, [ver(a, T1), ver(a, T2), ver(a, T3), ver(b, T1)]);
      await expect(store.deleteVersions(COLLECTION, [{ id: a, versionKey: key(T3) }, { id: b, versionKey: key(T1) }, { id: a, versionKey: key(T4) }])).resolves.toBe(2);
      expect(versionsOf((await store.queryObjects(query(COLLECTION, { versions: ALL }))).records)).toEqual([T1, T2]);
      expect(versionsOf((await store.queryObjects(query(COLLECTION, { versions: LAST }))).records)).toEqual([T2]);
      expect(versionsOf((await store.queryObjects(query(COLLECTION, { versions: FIRST }))).records)).toEqual([T1]);
      await expect(store.deleteVersions(OTHER_COLLECTION, [{ id: a, versionKey: key(T1) }])).resolves.toBe(0);
    });

    test('a dropped partition holds nothing, and its next date_added is still unique', async () => {
      const a = stixId('indicator');
      await store.addObjects(COLLECTION, [ver(a, T1), ver(a, T2)]);
      await expect(store.dropPartition(COLLECTION)).resolves.toBe(2);
      await expect(store.hasObject(COLLECTION, a)).resolves.toBe(false);
      const [again] = await store.addObjects(COLLECTION, [ver(a, T1)]);
      expect(added(again).version).toBe(T1);
      await expect(store.dropPartition(COLLECTION)).resolves.toBe(1);
    });
  });
}

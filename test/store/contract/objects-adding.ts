// Storage contract, objects: adding versions (outcomes, duplicates, date_added).
import type { Store } from '../../../src/store/store';
import * as timestamps from '../../../src/vocabulary/time';
import { formatMicros, versionKey } from '../../../src/vocabulary/time';
import {
  ALL,
  LAST,
  FIRST,
  FIRST_AND_LAST,
  exact,
  COLLECTION,
  OTHER_COLLECTION,
  stixId,
  ver,
  query,
  expectStrictlyIncreasing,
  added,
  T1,
  T1_MS,
  T1_NS,
  T2,
  T3,
  versionsOf,
  type ContractSubject,
} from './fixtures';

export function addingObjectsContract(subject: ContractSubject): void {
  let store: Store;
  beforeEach(() => {
    store = subject.current();
  });

  describe('addObjects', () => {
    test('returns one outcome per input, in input order', async () => {
      const a = stixId('indicator');
      const b = stixId('malware');
      const first = await store.addObjects(COLLECTION, [ver(a, T1)]);
      expect(first).toEqual([{ outcome: 'added', version: T1, dateAdded: expect.any(Number) }]);

      const inputs = [ver(b, T2), ver(a, T1), ver(a, T2), ver(b, T2), ver(b, T3)];
      const outcomes = await store.addObjects(COLLECTION, inputs);
      expect(outcomes.map((o) => [o.outcome, o.version])).toEqual([
        ['added', T2],
        ['duplicate', T1],
        ['added', T2],
        ['duplicate', T2],
        ['added', T3],
      ]);
      const stored = await store.queryObjects(query(COLLECTION));
      expect(stored.records.map((r) => [r.id, r.version])).toEqual([
        [a, T1],
        [b, T2],
        [a, T2],
        [b, T3],
      ]);
      expect(stored.more).toBe(false);
    });

    test('an empty list adds nothing and returns []', async () => {
      await expect(store.addObjects(COLLECTION, [])).resolves.toEqual([]);
      expect((await store.queryObjects(query(COLLECTION))).records).toEqual([]);
    });

    test('an exact duplicate (same id and version) is a duplicate and adds no version', async () => {
      const id = stixId('indicator');
      const [o1] = await store.addObjects(COLLECTION, [ver(id, T2)]);
      const [o2] = await store.addObjects(COLLECTION, [ver(id, T2)]);
      expect(o2).toEqual({ outcome: 'duplicate', version: T2 });
      const all = await store.queryObjects(query(COLLECTION, { withJson: true }));
      expect(all.records).toEqual([
        { id, type: 'indicator', version: T2, specVersion: '2.1', dateAdded: added(o1).dateAdded, json: ver(id, T2).json },
      ]);
    });

    test('the same instant written with other fraction digits is the same version: duplicate, stored copy kept', async () => {
      const id = stixId('indicator');
      const original = ver(id, T1, { json: '{"first":"copy"}' });
      const [o1] = await store.addObjects(COLLECTION, [original]);
      const outcomes = await store.addObjects(COLLECTION, [
        ver(id, T1_MS, { json: '{"second":"copy"}' }),
        ver(id, T1_NS, { json: '{"third":"copy"}' }),
      ]);
      // The status reports the version as the collection holds it.
      expect(outcomes).toEqual([
        { outcome: 'duplicate', version: T1 },
        { outcome: 'duplicate', version: T1 },
      ]);
      const all = await store.queryObjects(query(COLLECTION, { withJson: true }));
      expect(all.records).toHaveLength(1);
      expect(all.records[0]).toMatchObject({ version: T1, json: '{"first":"copy"}', dateAdded: added(o1).dateAdded });
      // And the other spellings select it exactly.
      for (const spelling of [T1, T1_MS, T1_NS]) {
        const page = await store.queryObjects(query(COLLECTION, { versions: exact(spelling) }));
        expect(versionsOf(page.records)).toEqual([T1]);
      }
    });

    test('a duplicate inside one call is detected too', async () => {
      const id = stixId('malware');
      const outcomes = await store.addObjects(COLLECTION, [ver(id, T2), ver(id, T2), ver(id, '2024-01-01T00:00:02Z')]);
      expect(outcomes.map((o) => o.outcome)).toEqual(['added', 'duplicate', 'duplicate']);
      expect((await store.queryObjects(query(COLLECTION))).records).toHaveLength(1);
    });

    test('an unversioned object gets its formatted date_added as version; a re-post is a duplicate', async () => {
      const id = stixId('ipv4-addr');
      const [o1] = await store.addObjects(COLLECTION, [ver(id, undefined)]);
      const { version, dateAdded } = added(o1);
      expect(version).toBe(formatMicros(dateAdded));
      expect(versionKey(version)).toBeDefined();

      const again = await store.addObjects(COLLECTION, [ver(id, undefined), ver(id, undefined)]);
      expect(again).toEqual([
        { outcome: 'duplicate', version },
        { outcome: 'duplicate', version },
      ]);
      const all = await store.queryObjects(query(COLLECTION));
      expect(all.records).toEqual([{ id, type: 'ipv4-addr', version, specVersion: '2.1', dateAdded }]);
      // Its one version is both the first and the last, and can be asked for exactly.
      for (const versions of [LAST, FIRST, FIRST_AND_LAST, exact(version)]) {
        expect((await store.queryObjects(query(COLLECTION, { versions }))).records).toHaveLength(1);
      }
    });

    test('an unversioned object posted twice in one call is added once', async () => {
      const id = stixId('ipv4-addr');
      const outcomes = await store.addObjects(COLLECTION, [ver(id, undefined), ver(id, undefined)]);
      const { version } = added(outcomes[0]);
      expect(outcomes[1]).toEqual({ outcome: 'duplicate', version });
      expect((await store.queryObjects(query(COLLECTION))).records).toHaveLength(1);
    });

    test("an unversioned object is a duplicate of its provider's own copy only; another provider's copy is a new version", async () => {
      const id = stixId('ipv4-addr');
      const [a1] = await store.addObjects(COLLECTION, [{ ...ver(id, undefined), provider: 'ohio' }]);
      const ohio = added(a1);
      // Another provider's copy: a version of its own, later, and now the last.
      const [b1] = await store.addObjects(COLLECTION, [{ ...ver(id, undefined), provider: 'iowa' }]);
      const iowa = added(b1);
      expect(iowa.dateAdded).toBeGreaterThan(ohio.dateAdded);
      expect(iowa.version).toBe(formatMicros(iowa.dateAdded));
      // Each provider's re-post is a duplicate of its own copy, in any order and within one call.
      const again = await store.addObjects(COLLECTION, [
        { ...ver(id, undefined), provider: 'iowa' },
        { ...ver(id, undefined), provider: 'ohio' },
        { ...ver(id, undefined), provider: 'utah' },
        { ...ver(id, undefined), provider: 'utah' },
      ]);
      expect(again.slice(0, 2)).toEqual([
        { outcome: 'duplicate', version: iowa.version },
        { outcome: 'duplicate', version: ohio.version },
      ]);
      const utah = added(again[2]);
      expect(again[3]).toEqual({ outcome: 'duplicate', version: utah.version });
      const all = await store.queryObjects(query(COLLECTION, { versions: ALL }));
      expect(all.records.map((r) => [r.version, r.provider])).toEqual([
        [ohio.version, 'ohio'],
        [iowa.version, 'iowa'],
        [utah.version, 'utah'],
      ]);
      expect((await store.queryObjects(query(COLLECTION, { versions: LAST }))).records.map((r) => r.provider)).toEqual(['utah']);
      expect((await store.queryObjects(query(COLLECTION, { versions: FIRST }))).records.map((r) => r.provider)).toEqual(['ohio']);
    });

    test('date_added is unique and strictly increasing across many calls and within one call', async () => {
      const all: number[] = [];
      for (let call = 0; call < 40; call++) {
        const batch = Array.from({ length: (call % 7) + 1 }, (_, i) =>
          ver(stixId(i % 2 ? 'indicator' : 'ipv4-addr'), i % 2 ? T1 : undefined),
        );
        const outcomes = await store.addObjects(COLLECTION, batch);
        all.push(...outcomes.map((o) => added(o).dateAdded));
      }
      expect(all.every(Number.isSafeInteger)).toBe(true);
      expectStrictlyIncreasing(all);
      expect(new Set(all).size).toBe(all.length);
      const stored = await store.queryObjects(query(COLLECTION));
      expect(stored.records.map((r) => r.dateAdded)).toEqual(all);
    });

    test('date_added stays strictly increasing when the wall clock stands still', async () => {
      const frozen = timestamps.nowMicros();
      jest.spyOn(timestamps, 'nowMicros').mockReturnValue(frozen);
      jest.spyOn(Date, 'now').mockReturnValue(Math.floor(frozen / 1000));
      const all: number[] = [];
      for (let call = 0; call < 10; call++) {
        const outcomes = await store.addObjects(COLLECTION, [ver(stixId('indicator'), T1), ver(stixId('malware'), T2), ver(stixId('ipv4-addr'), undefined)]);
        all.push(...outcomes.map((o) => added(o).dateAdded));
      }
      expectStrictlyIncreasing(all);
      const unversioned = await store.queryObjects(query(COLLECTION, { types: ['ipv4-addr'] }));
      // Distinct date_added means distinct versions for unversioned objects, too.
      expect(new Set(versionsOf(unversioned.records)).size).toBe(10);
    });

    test('date_added stays strictly increasing when the wall clock goes backwards', async () => {
      const before = await store.addObjects(COLLECTION, [ver(stixId('indicator'), T1), ver(stixId('indicator'), T1)]);
      const latest = added(before[1]).dateAdded;
      jest.spyOn(timestamps, 'nowMicros').mockReturnValue(latest - 3_600_000_000);
      jest.spyOn(Date, 'now').mockReturnValue(Math.floor((latest - 3_600_000_000) / 1000));
      const after = await store.addObjects(COLLECTION, [ver(stixId('indicator'), T1), ver(stixId('malware'), T1)]);
      expectStrictlyIncreasing([...before, ...after].map((o) => added(o).dateAdded));
    });

    test('collections are independent: same object in two collections, separate versions and queries', async () => {
      const id = stixId('indicator');
      const [inA] = await store.addObjects(COLLECTION, [ver(id, T1)]);
      const [inB] = await store.addObjects(OTHER_COLLECTION, [ver(id, T1)]);
      expect(inA?.outcome).toBe('added');
      expect(inB?.outcome).toBe('added'); // not a duplicate: another collection
      await store.addObjects(OTHER_COLLECTION, [ver(id, T2), ver(stixId('malware'), T1)]);

      expect(versionsOf((await store.queryObjects(query(COLLECTION))).records)).toEqual([T1]);
      expect(versionsOf((await store.queryObjects(query(OTHER_COLLECTION))).records)).toEqual([T1, T2, T1]);
      // first/last are per collection
      expect(versionsOf((await store.queryObjects(query(COLLECTION, { versions: LAST }))).records)).toEqual([T1]);
      expect((await store.queryObjects(query('no-such-collection'))).records).toEqual([]);

      const onlyInB = stixId('malware');
      await store.addObjects(OTHER_COLLECTION, [ver(onlyInB, T1)]);
      await expect(store.hasObject(COLLECTION, onlyInB)).resolves.toBe(false);
      await expect(store.hasObject(OTHER_COLLECTION, onlyInB)).resolves.toBe(true);

      expect(await store.deleteObject(COLLECTION, id, ALL)).toBe(1);
      await expect(store.hasObject(OTHER_COLLECTION, id)).resolves.toBe(true);
      expect((await store.queryObjects(query(OTHER_COLLECTION, { ids: [id] }))).records).toHaveLength(2);
    });

    test('date_added is increasing within each collection when writes interleave', async () => {
      const perCollection = new Map<string, number[]>([
        [COLLECTION, []],
        [OTHER_COLLECTION, []],
      ]);
      for (let i = 0; i < 20; i++) {
        const c = i % 3 === 0 ? OTHER_COLLECTION : COLLECTION;
        const outcomes = await store.addObjects(c, [ver(stixId('indicator'), T1), ver(stixId('note'), T2)]);
        perCollection.get(c)?.push(...outcomes.map((o) => added(o).dateAdded));
      }
      for (const [c, values] of perCollection) {
        expectStrictlyIncreasing(values);
        expect((await store.queryObjects(query(c))).records.map((r) => r.dateAdded)).toEqual(values);
      }
    });
  });
}

// Storage contract, objects: keyset pages and the TAXII 2.1 §3.4.1 filters, checked against a model.
import type { NewObjectVersion, ObjectQuery, Store, StoredVersion, VersionSelector } from '../../../src/store/store';
import {
  ALL,
  LAST,
  FIRST,
  FIRST_AND_LAST,
  NONE,
  exact,
  COLLECTION,
  stixId,
  key,
  ver,
  query,
  pageAll,
  expectStrictlyIncreasing,
  added,
  Model,
  T1,
  T1_MS,
  T1_5,
  T2,
  T3,
  T4,
  ids,
  versionsOf,
  type ContractSubject,
} from './fixtures';

export function queryingObjectsContract(subject: ContractSubject): void {
  let store: Store;
  beforeEach(() => {
    store = subject.current();
  });

  describe('queryObjects', () => {
    /** 23 objects of four types, added over several calls. */
    async function seed(model: Model): Promise<void> {
      const types = ['indicator', 'malware', 'ipv4-addr', 'note', 'indicator', 'indicator', 'malware'];
      let n = 0;
      for (const size of [1, 5, 2, 7, 3, 5]) {
        const batch: NewObjectVersion[] = [];
        for (let i = 0; i < size; i++, n++) {
          const type = types[n % types.length] as string;
          batch.push(ver(stixId(type), type === 'ipv4-addr' ? undefined : T1));
        }
        await model.add(store, COLLECTION, batch);
      }
    }

    test('orders by date_added ascending and reports every field', async () => {
      const model = new Model();
      await seed(model);
      const page = await store.queryObjects(query(COLLECTION));
      expect(page.records).toEqual(model.expected({ versions: ALL, withJson: false }));
      expect(page.records).toHaveLength(23);
      expectStrictlyIncreasing(page.records.map((r) => r.dateAdded));
    });

    test('limit bounds the page and more tells whether anything is left', async () => {
      const model = new Model();
      await seed(model);
      const all = model.expected({ versions: ALL, withJson: false });
      for (const limit of [1, 5, 22, 23, 24, 1000]) {
        const page = await store.queryObjects(query(COLLECTION, { limit }));
        expect(page.records).toEqual(all.slice(0, limit));
        expect(page.more).toBe(limit < 23);
      }
      const empty = await store.queryObjects(query('empty-collection', { limit: 1 }));
      expect(empty).toEqual({ records: [], more: false });
    });

    test('after pages through to the end with no duplicates and no gaps', async () => {
      const model = new Model();
      await seed(model);
      const all = model.expected({ versions: ALL, withJson: false });
      for (const limit of [1, 2, 3, 4, 7, 11, 22, 23, 24]) {
        const { records, pages } = await pageAll(store, query(COLLECTION, { limit }));
        expect(records).toEqual(all);
        expect(pages).toHaveLength(Math.max(1, Math.ceil(23 / limit)));
      }
      // Past the end: an empty page, no more.
      const last = all[all.length - 1] as StoredVersion;
      expect(await store.queryObjects(query(COLLECTION, { after: last.dateAdded }))).toEqual({ records: [], more: false });
      // Mid-way: strictly after the given position.
      const mid = all[10] as StoredVersion;
      expect((await store.queryObjects(query(COLLECTION, { after: mid.dateAdded }))).records).toEqual(all.slice(11));
    });

    test('addedAfter is strictly after, and combines with after (the later bound wins)', async () => {
      const model = new Model();
      await seed(model);
      const all = model.expected({ versions: ALL, withJson: false });
      for (const i of [0, 5, 21, 22]) {
        const at = (all[i] as StoredVersion).dateAdded;
        expect((await store.queryObjects(query(COLLECTION, { addedAfter: at }))).records).toEqual(all.slice(i + 1));
        // One microsecond earlier includes the record itself.
        expect((await store.queryObjects(query(COLLECTION, { addedAfter: at - 1 }))).records).toEqual(all.slice(i));
      }
      expect((await store.queryObjects(query(COLLECTION, { addedAfter: 0 }))).records).toEqual(all);
      const a5 = (all[5] as StoredVersion).dateAdded;
      const a9 = (all[9] as StoredVersion).dateAdded;
      expect((await store.queryObjects(query(COLLECTION, { addedAfter: a5, after: a9 }))).records).toEqual(all.slice(10));
      expect((await store.queryObjects(query(COLLECTION, { addedAfter: a9, after: a5 }))).records).toEqual(all.slice(10));
      const { records } = await pageAll(store, query(COLLECTION, { addedAfter: a5, limit: 4 }));
      expect(records).toEqual(all.slice(6));
    });

    test('ids selects the listed objects (OR), unknown ids select nothing', async () => {
      const model = new Model();
      await seed(model);
      const all = model.expected({ versions: ALL, withJson: false });
      const picked = [all[3], all[17], all[8]].map((r) => (r as StoredVersion).id);
      expect((await store.queryObjects(query(COLLECTION, { ids: [picked[0] as string] }))).records).toEqual([all[3]]);
      expect((await store.queryObjects(query(COLLECTION, { ids: picked }))).records).toEqual([all[3], all[8], all[17]]);
      expect((await store.queryObjects(query(COLLECTION, { ids: [...picked, stixId('indicator')] }))).records).toHaveLength(3);
      expect((await store.queryObjects(query(COLLECTION, { ids: [stixId('indicator')] }))).records).toEqual([]);
      const { records } = await pageAll(store, query(COLLECTION, { ids: picked, limit: 1 }));
      expect(ids(records)).toEqual([all[3], all[8], all[17]].map((r) => (r as StoredVersion).id));
    });

    test('types with one type selects that type only', async () => {
      const model = new Model();
      await seed(model);
      for (const type of ['indicator', 'malware', 'ipv4-addr', 'note', 'campaign']) {
        const expected = model.expected({ versions: ALL, withJson: false, types: [type] });
        expect((await store.queryObjects(query(COLLECTION, { types: [type] }))).records).toEqual(expected);
        const { records } = await pageAll(store, query(COLLECTION, { types: [type], limit: 2 }));
        expect(records).toEqual(expected);
      }
    });

    test('types with several types: merged in date_added order, paged across types with no gaps or duplicates', async () => {
      const model = new Model();
      await seed(model);
      const combos = [
        ['indicator', 'malware'],
        ['malware', 'ipv4-addr', 'note'],
        ['note', 'indicator', 'ipv4-addr', 'malware'],
        ['malware', 'campaign'],
        ['campaign', 'grouping'],
      ];
      for (const types of combos) {
        const expected = model.expected({ versions: ALL, withJson: false, types });
        const whole = await store.queryObjects(query(COLLECTION, { types }));
        expect(whole.records).toEqual(expected);
        expect(whole.more).toBe(false);
        for (const limit of [1, 2, 3, 5, expected.length, expected.length + 1]) {
          if (limit < 1) continue;
          const { records, pages } = await pageAll(store, query(COLLECTION, { types, limit }));
          expect(records).toEqual(expected);
          expect(pages).toHaveLength(Math.max(1, Math.ceil(expected.length / limit)));
        }
      }
    });

    test('types with several types combines with addedAfter, version selectors, specVersions and json', async () => {
      const model = new Model();
      await seed(model);
      const a = stixId('indicator');
      const m = stixId('malware');
      await model.add(store, COLLECTION, [ver(a, T3), ver(m, T2, { specVersion: '2.0' })]);
      await model.add(store, COLLECTION, [ver(a, T1_5), ver(m, T4), ver(a, T1)]);
      const types = ['indicator', 'malware'];
      const middle = (model.expected({ versions: ALL, withJson: false })[8] as StoredVersion).dateAdded;
      const cases: Omit<ObjectQuery, 'partition' | 'limit'>[] = [
        { types, versions: LAST, withJson: false },
        { types, versions: FIRST, withJson: true },
        { types, versions: FIRST_AND_LAST, withJson: false, addedAfter: middle },
        { types, versions: exact(T1_5, T4), withJson: true },
        { types, versions: { first: true, last: false, exact: [key(T3)] }, withJson: false },
        { types, versions: ALL, withJson: false, specVersions: ['2.0'] },
        { types, versions: ALL, withJson: true, specVersions: ['2.1'], addedAfter: middle },
        { types, versions: NONE, withJson: false },
      ];
      for (const c of cases) {
        const expected = model.expected(c);
        for (const limit of [1, 3, 1000]) {
          const { records } = await pageAll(store, query(COLLECTION, { ...c, limit }));
          expect(records).toEqual(expected);
        }
      }
    });

    test('types together with ids (several of each) intersect', async () => {
      const model = new Model();
      await seed(model);
      const all = model.expected({ versions: ALL, withJson: false });
      const someIds = all.filter((_, i) => i % 3 === 0).map((r) => r.id);
      const types = ['indicator', 'note'];
      const expected = model.expected({ versions: ALL, withJson: false, types, ids: someIds });
      expect(expected.length).toBeGreaterThan(1);
      expect((await store.queryObjects(query(COLLECTION, { types, ids: someIds }))).records).toEqual(expected);
      const { records } = await pageAll(store, query(COLLECTION, { types, ids: someIds, limit: 1 }));
      expect(records).toEqual(expected);
    });

    test('a repeated value in types or ids does not repeat records', async () => {
      const model = new Model();
      await seed(model);
      const types = ['indicator', 'malware', 'indicator'];
      const expected = model.expected({ versions: ALL, withJson: false, types });
      expect((await store.queryObjects(query(COLLECTION, { types }))).records).toEqual(expected);
      expect((await pageAll(store, query(COLLECTION, { types, limit: 2 }))).records).toEqual(expected);
      const one = expected[0] as StoredVersion;
      expect((await store.queryObjects(query(COLLECTION, { ids: [one.id, one.id] }))).records).toEqual([one]);
    });

    describe('version selectors (TAXII 2.1 §3.4.1 match[version])', () => {
      // Posted out of order: T2, then T3 (newer), then T1 (older than both), so the
      // first/last flags must move on each write.
      let id: string;
      let added2: number;
      let added3: number;
      let added1: number;
      beforeEach(async () => {
        id = stixId('indicator');
        [added2, added3, added1] = [
          added((await store.addObjects(COLLECTION, [ver(id, T2)]))[0]).dateAdded,
          added((await store.addObjects(COLLECTION, [ver(id, T3)]))[0]).dateAdded,
          added((await store.addObjects(COLLECTION, [ver(id, T1)]))[0]).dateAdded,
        ];
      });
      const select = async (versions: VersionSelector) =>
        (await store.queryObjects(query(COLLECTION, { versions }))).records.map((r) => [r.version, r.dateAdded]);

      test('last (the default selector) is the newest version, whatever the posting order', async () => {
        expect(await select(LAST)).toEqual([[T3, added3]]);
      });
      test('first is the oldest version, even when posted last', async () => {
        expect(await select(FIRST)).toEqual([[T1, added1]]);
      });
      test('first and last together, in date_added order', async () => {
        expect(await select(FIRST_AND_LAST)).toEqual([
          [T3, added3],
          [T1, added1],
        ]);
      });
      test('exact version keys, in any spelling, alone or with first/last', async () => {
        expect(await select(exact(T2))).toEqual([[T2, added2]]);
        expect(await select(exact('2024-01-01T00:00:02Z'))).toEqual([[T2, added2]]);
        expect(await select(exact(T3, T1_MS))).toEqual([
          [T3, added3],
          [T1, added1],
        ]);
        expect(await select({ first: true, last: false, exact: [key(T2)] })).toEqual([
          [T2, added2],
          [T1, added1],
        ]);
        expect(await select({ first: false, last: true, exact: [key(T3)] })).toEqual([[T3, added3]]);
        expect(await select(exact(T4))).toEqual([]);
      });
      test('all selects every version; selecting nothing selects nothing', async () => {
        expect(await select(ALL)).toEqual([
          [T2, added2],
          [T3, added3],
          [T1, added1],
        ]);
        expect(await select(NONE)).toEqual([]);
      });
      test('a newer and an older version added later move last and first', async () => {
        await store.addObjects(COLLECTION, [ver(id, T4), ver(id, '2023-12-31T23:59:59.999999Z')]);
        expect((await select(LAST)).map(([v]) => v)).toEqual([T4]);
        expect((await select(FIRST)).map(([v]) => v)).toEqual(['2023-12-31T23:59:59.999999Z']);
        expect(await select(ALL)).toHaveLength(5);
      });
      test('versions are compared as instants, not as strings (…:01Z is older than …:01.5Z)', async () => {
        const other = stixId('malware');
        await store.addObjects(COLLECTION, [ver(other, T1_5), ver(other, T1)]);
        const q = async (versions: VersionSelector) =>
          versionsOf((await store.queryObjects(query(COLLECTION, { ids: [other], versions }))).records);
        expect(await q(LAST)).toEqual([T1_5]);
        expect(await q(FIRST)).toEqual([T1]);
      });
      test('each object has its own first and last', async () => {
        const other = stixId('malware');
        await store.addObjects(COLLECTION, [ver(other, T4), ver(other, T1_5)]);
        const records = (await store.queryObjects(query(COLLECTION, { versions: LAST }))).records;
        expect(records.map((r) => [r.id, r.version])).toEqual([
          [id, T3],
          [other, T4],
        ]);
        const firsts = (await store.queryObjects(query(COLLECTION, { versions: FIRST }))).records;
        expect(firsts.map((r) => [r.id, r.version])).toEqual([
          [id, T1],
          [other, T1_5],
        ]);
      });
      test('deleting the last version makes the previous one last', async () => {
        expect(await store.deleteObject(COLLECTION, id, LAST)).toBe(1);
        expect(await select(LAST)).toEqual([[T2, added2]]);
        expect(await select(FIRST)).toEqual([[T1, added1]]);
        expect(await select(ALL)).toEqual([
          [T2, added2],
          [T1, added1],
        ]);
      });
      test('deleting the first version makes the next one first', async () => {
        expect(await store.deleteObject(COLLECTION, id, FIRST)).toBe(1);
        expect(await select(FIRST)).toEqual([[T2, added2]]);
        expect(await select(LAST)).toEqual([[T3, added3]]);
      });
      test('deleting first and last leaves one version that is both', async () => {
        expect(await store.deleteObject(COLLECTION, id, FIRST_AND_LAST)).toBe(2);
        expect(await select(FIRST)).toEqual([[T2, added2]]);
        expect(await select(LAST)).toEqual([[T2, added2]]);
        expect(await select(FIRST_AND_LAST)).toEqual([[T2, added2]]);
      });
      test('deleting a middle version keeps first and last', async () => {
        expect(await store.deleteObject(COLLECTION, id, exact('2024-01-01T00:00:02Z'))).toBe(1);
        expect(await select(FIRST_AND_LAST)).toEqual([
          [T3, added3],
          [T1, added1],
        ]);
        expect(await select(ALL)).toHaveLength(2);
      });
    });

    test('specVersions selects by spec_version (OR)', async () => {
      const model = new Model();
      await model.add(store, COLLECTION, [
        ver(stixId('indicator'), T1, { specVersion: '2.0' }),
        ver(stixId('indicator'), T1),
        ver(stixId('malware'), T2, { specVersion: '2.0' }),
        ver(stixId('ipv4-addr'), undefined),
      ]);
      for (const specVersions of [['2.0'], ['2.1'], ['2.0', '2.1'], ['2.2']]) {
        const expected = model.expected({ versions: ALL, withJson: false, specVersions });
        expect((await store.queryObjects(query(COLLECTION, { specVersions }))).records).toEqual(expected);
      }
      expect((await store.queryObjects(query(COLLECTION, { specVersions: ['2.0'] }))).records).toHaveLength(2);
    });

    test('specVersions applies after the version selector (last version of 2.0 objects only)', async () => {
      const id = stixId('indicator');
      const model = new Model();
      await model.add(store, COLLECTION, [ver(id, T1, { specVersion: '2.0' }), ver(id, T2)]);
      // The last version is 2.1, so "last" and "2.0" select nothing.
      for (const versions of [LAST, FIRST, ALL]) {
        const expected = model.expected({ versions, withJson: false, specVersions: ['2.0'] });
        expect((await store.queryObjects(query(COLLECTION, { versions, specVersions: ['2.0'] }))).records).toEqual(expected);
      }
      expect((await store.queryObjects(query(COLLECTION, { versions: LAST, specVersions: ['2.0'] }))).records).toEqual([]);
    });

    test('withJson returns the stored JSON byte for byte; without it, no json', async () => {
      const id = stixId('indicator');
      const odd =
        '{ "type":"indicator" ,"spec_version":"2.1",\n\t"id":"' +
        id +
        '","name":"caf\u00e9 \\u00e9 \u2028 \ud83d\ude00 \\"q\\"","big":12345678901234567890,"f":1.10,"modified":"' +
        T1 +
        '" }';
      const [o] = await store.addObjects(COLLECTION, [ver(id, T1, { json: odd })]);
      const withJson = await store.queryObjects(query(COLLECTION, { withJson: true }));
      expect(withJson.records).toEqual([{ id, type: 'indicator', version: T1, specVersion: '2.1', dateAdded: added(o).dateAdded, json: odd }]);
      expect(withJson.records[0]?.json).toBe(odd);
      const without = await store.queryObjects(query(COLLECTION, { withJson: false }));
      expect(without.records).toHaveLength(1);
      expect(without.records[0]?.json).toBeUndefined();
      expect(without.records[0]).toEqual({ id, type: 'indicator', version: T1, specVersion: '2.1', dateAdded: added(o).dateAdded });
    });

    test('the version is returned exactly as stated, not normalised', async () => {
      const id = stixId('malware');
      await store.addObjects(COLLECTION, [ver(id, T3), ver(id, T1)]);
      expect(versionsOf((await store.queryObjects(query(COLLECTION))).records)).toEqual([T3, T1]);
    });
  });
}

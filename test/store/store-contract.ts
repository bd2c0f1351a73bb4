// The storage contract suite: every Store backend (SQLite now, MongoDB later) runs these
// tests unchanged. They use the Store interface only — no SQL, no knowledge of tables —
// plus, for the "identical wall clock" cases, the shared clock of taxii/timestamps.ts.
//
// `makeStore` must return a new, empty store each time it is called; the suite closes
// every store it makes.
import { v4 as uuidv4 } from 'uuid';
import type {
  AddOutcome,
  NewObjectVersion,
  ObjectQuery,
  QueryPage,
  Store,
  StoredStatus,
  StoredVersion,
  VersionSelector,
} from '../../src/store/store';
import * as timestamps from '../../src/vocabulary/time';
import { DirectoryConflict, type AuditEntry, type DirectoryChange } from '../../src/directory/records';
import { formatMicros, versionKey } from '../../src/vocabulary/time';

// ---------------------------------------------------------------------------------------
// Helpers

export const ALL: VersionSelector = { all: true };
export const LAST: VersionSelector = { first: false, last: true, exact: [] };
export const FIRST: VersionSelector = { first: true, last: false, exact: [] };
export const FIRST_AND_LAST: VersionSelector = { first: true, last: true, exact: [] };
export const NONE: VersionSelector = { first: false, last: false, exact: [] };
export const exact = (...versions: string[]): VersionSelector => ({ first: false, last: false, exact: versions.map(key) });

const COLLECTION = 'c0ffee00-0000-4000-8000-000000000001';
const OTHER_COLLECTION = 'c0ffee00-0000-4000-8000-000000000002';

export function stixId(type: string): string {
  return `${type}--${uuidv4()}`;
}

/** The version key of a STIX timestamp; throws on anything that is not one (a broken test). */
export function key(stixTimestamp: string): string {
  const k = versionKey(stixTimestamp);
  if (k === undefined) throw new Error(`not a STIX timestamp: ${stixTimestamp}`);
  return k;
}

export interface VersionOptions {
  type?: string;
  specVersion?: string;
  /** The exact JSON text to store; by default a small object is serialised. */
  json?: string;
}

/** One version of one object as the publish path would hand it to the store. */
export function ver(id: string, version: string | undefined, options: VersionOptions = {}): NewObjectVersion {
  const type = options.type ?? id.slice(0, id.indexOf('--'));
  const specVersion = options.specVersion ?? '2.1';
  const json =
    options.json ??
    JSON.stringify({
      type,
      spec_version: specVersion,
      id,
      ...(version !== undefined ? { created: '2024-01-01T00:00:00Z', modified: version } : {}),
    });
  return { id, type, version, versionKey: version === undefined ? undefined : key(version), specVersion, json };
}

function query(collectionId: string, q: Partial<ObjectQuery> = {}): ObjectQuery {
  return { partition: collectionId, versions: ALL, limit: 1000, withJson: false, ...q };
}

/** Follows the keyset (`after` = last dateAdded of the page) to the end; checks page shapes on the way. */
async function pageAll(store: Store, q: ObjectQuery): Promise<{ records: StoredVersion[]; pages: QueryPage[] }> {
  const pages: QueryPage[] = [];
  const records: StoredVersion[] = [];
  let after = q.after;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = await store.queryObjects({ ...q, ...(after !== undefined ? { after } : {}) });
    pages.push(page);
    records.push(...page.records);
    expect(page.records.length).toBeLessThanOrEqual(q.limit);
    if (!page.more) return { records, pages };
    // more=true promises at least one further record, so a full page was returned.
    expect(page.records).toHaveLength(q.limit);
    after = (page.records[page.records.length - 1] as StoredVersion).dateAdded;
  }
  throw new Error('paging did not terminate');
}

function expectStrictlyIncreasing(values: number[]): void {
  for (let i = 1; i < values.length; i++) {
    if (!((values[i] as number) > (values[i - 1] as number))) {
      throw new Error(`not strictly increasing at ${i}: ${values[i - 1]} then ${values[i]}`);
    }
  }
}

function added(o: AddOutcome | undefined): { version: string; dateAdded: number } {
  if (!o || o.outcome !== 'added') throw new Error(`expected an 'added' outcome, got ${JSON.stringify(o)}`);
  return o;
}

/** What the store should hold, kept alongside it: a brute-force oracle for queries. */
interface ModelRecord extends StoredVersion {
  key: string;
  json: string;
}

class Model {
  readonly records: ModelRecord[] = [];

  /** Adds through the store and records what was added. */
  async add(store: Store, collectionId: string, versions: NewObjectVersion[]): Promise<AddOutcome[]> {
    const outcomes = await store.addObjects(collectionId, versions);
    outcomes.forEach((o, i) => {
      if (o.outcome !== 'added') return;
      const v = versions[i] as NewObjectVersion;
      this.records.push({
        id: v.id,
        type: v.type,
        version: o.version,
        key: v.versionKey ?? key(o.version),
        specVersion: v.specVersion,
        dateAdded: o.dateAdded,
        json: v.json,
      });
    });
    return outcomes;
  }

  expected(q: Omit<ObjectQuery, 'partition' | 'limit' | 'after'>): StoredVersion[] {
    const bounds = new Map<string, { lo: string; hi: string }>();
    for (const r of this.records) {
      const b = bounds.get(r.id);
      if (!b) bounds.set(r.id, { lo: r.key, hi: r.key });
      else {
        if (r.key < b.lo) b.lo = r.key;
        if (r.key > b.hi) b.hi = r.key;
      }
    }
    const selected = (r: ModelRecord): boolean => {
      const v = q.versions;
      if (v.all) return true;
      const b = bounds.get(r.id) as { lo: string; hi: string };
      return (v.first && r.key === b.lo) || (v.last && r.key === b.hi) || v.exact.includes(r.key);
    };
    return this.records
      .filter((r) => q.ids === undefined || q.ids.includes(r.id))
      .filter((r) => q.types === undefined || q.types.includes(r.type))
      .filter((r) => q.specVersions === undefined || q.specVersions.includes(r.specVersion))
      .filter((r) => q.addedAfter === undefined || r.dateAdded > q.addedAfter)
      .filter(selected)
      .sort((a, b) => a.dateAdded - b.dateAdded)
      .map((r) => ({
        id: r.id,
        type: r.type,
        version: r.version,
        specVersion: r.specVersion,
        dateAdded: r.dateAdded,
        ...(q.withJson ? { json: r.json } : {}),
      }));
  }
}

function status(overrides: Partial<StoredStatus> = {}): StoredStatus {
  return {
    id: uuidv4(),
    apiRoot: 'hub',
    owner: 'member',
    createdAt: 1_700_000_000_000,
    resource: { id: 'x', status: 'complete', total_count: 1, successes: [{ id: 'indicator--1', version: 'v' }] },
    ...overrides,
  };
}

const T1 = '2024-01-01T00:00:01Z';
const T1_MS = '2024-01-01T00:00:01.000Z';
const T1_NS = '2024-01-01T00:00:01.000000000Z';
/** Lexically before T1 as a raw string ('.' < 'Z'), but later in time. */
const T1_5 = '2024-01-01T00:00:01.5Z';
const T2 = '2024-01-01T00:00:02.000Z';
const T3 = '2024-01-01T00:00:03.123456789Z';
const T4 = '2024-01-01T00:00:04Z';

const ids = (records: StoredVersion[]) => records.map((r) => r.id);
const versionsOf = (records: StoredVersion[]) => records.map((r) => r.version);

// ---------------------------------------------------------------------------------------

export function runStoreContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    const opened: Store[] = [];

    beforeEach(async () => {
      store = await makeStore();
      opened.push(store);
    });
    afterEach(async () => {
      jest.restoreAllMocks();
      while (opened.length > 0) await (opened.pop() as Store).close();
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

    describe('pending distributions', () => {
      test('pendingVersions lists unsettled base versions oldest first; settling a sub-range leaves the rest', async () => {
        const ids = [stixId('indicator'), stixId('malware'), stixId('note')];
        const outcomes = await store.addObjects(COLLECTION, ids.map((id) => ({ ...ver(id, T1), provider: 'ohio', pending: true })));
        await store.addObjects(OTHER_COLLECTION, [ver(stixId('indicator'), T1)]);
        const dates = outcomes.map((o) => added(o).dateAdded);
        const page = await store.pendingVersions(2);
        expect(page.map((p) => [p.collectionId, p.id, p.dateAdded, p.provider])).toEqual([
          [COLLECTION, ids[0], dates[0], 'ohio'],
          [COLLECTION, ids[1], dates[1], 'ohio'],
        ]);
        expect(JSON.parse(page[0]?.json as string)).toMatchObject({ id: ids[0] });
        await store.settleVersions(COLLECTION, dates[0] as number, dates[1] as number);
        expect((await store.pendingVersions(10)).map((p) => p.id)).toEqual([ids[2]]);
        await store.settleVersions(COLLECTION, dates[2] as number, dates[2] as number);
        await expect(store.pendingVersions(10)).resolves.toEqual([]);
      });
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

    describe('statuses', () => {
      test('saveStatus then getStatus returns it; another API root or an unknown id gives undefined', async () => {
        const s = status();
        await store.saveStatus(s);
        await expect(store.getStatus('hub', s.id)).resolves.toEqual(s);
        await expect(store.getStatus('isac', s.id)).resolves.toBeUndefined();
        await expect(store.getStatus('hub', uuidv4())).resolves.toBeUndefined();
      });

      test('statuses are kept per API root', async () => {
        const a = status({ apiRoot: 'hub', owner: 'member' });
        const b = status({ apiRoot: 'isac', owner: 'outsider', resource: { other: true } });
        await store.saveStatus(a);
        await store.saveStatus(b);
        await expect(store.getStatus('hub', a.id)).resolves.toEqual(a);
        await expect(store.getStatus('isac', b.id)).resolves.toEqual(b);
        await expect(store.getStatus('hub', b.id)).resolves.toBeUndefined();
      });

      test('saving again with the same id updates the resource', async () => {
        const s = status({ resource: { status: 'pending', pending_count: 2 } });
        await store.saveStatus(s);
        const updated = { ...s, resource: { status: 'complete', pending_count: 0, nested: { list: [1, 'two', null] } } };
        await store.saveStatus(updated);
        await expect(store.getStatus('hub', s.id)).resolves.toEqual(updated);
      });

      test('purgeStatuses removes those created strictly before the instant and returns how many', async () => {
        const old = status({ createdAt: 1000 });
        const edge = status({ createdAt: 2000, apiRoot: 'isac' });
        const fresh = status({ createdAt: 3000 });
        for (const s of [old, edge, fresh]) await store.saveStatus(s);
        expect(await store.purgeStatuses(2000)).toBe(1);
        await expect(store.getStatus('hub', old.id)).resolves.toBeUndefined();
        await expect(store.getStatus('isac', edge.id)).resolves.toEqual(edge);
        expect(await store.purgeStatuses(2000)).toBe(0);
        expect(await store.purgeStatuses(10_000)).toBe(2);
        await expect(store.getStatus('hub', fresh.id)).resolves.toBeUndefined();
        expect(await store.purgeStatuses(10_000)).toBe(0);
      });
    });

    describe('settings', () => {
      test('getOrCreateSetting calls make once; later calls return the stored value without calling make', async () => {
        const make = jest.fn(() => 'value-1');
        await expect(store.getOrCreateSetting('cursor_hmac_key', make)).resolves.toBe('value-1');
        expect(make).toHaveBeenCalledTimes(1);
        const makeAgain = jest.fn(() => 'value-2');
        await expect(store.getOrCreateSetting('cursor_hmac_key', makeAgain)).resolves.toBe('value-1');
        await expect(store.getOrCreateSetting('cursor_hmac_key', makeAgain)).resolves.toBe('value-1');
        expect(makeAgain).not.toHaveBeenCalled();
        expect(make).toHaveBeenCalledTimes(1);
      });

      test('keys are independent', async () => {
        await expect(store.getOrCreateSetting('a', () => 'A')).resolves.toBe('A');
        await expect(store.getOrCreateSetting('b', () => 'B')).resolves.toBe('B');
        await expect(store.getOrCreateSetting('a', () => 'X')).resolves.toBe('A');
      });
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
        expect(await store.loadDirectory()).toEqual({ revision: 0, apiRoots: [], collections: [], members: [], groups: [], credentials: [], acl: [], mous: [] });
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

    describe('audit log', () => {
      const entry = (at: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({ at, kind: 'read', action: 'objects.get', memberId: 'ohio', ...extra });

      test('entries written with a directory change are in the log, with increasing seq', async () => {
        await store.applyDirectoryChanges([], [entry(1, { kind: 'admin', action: 'member.create', details: { member: 'ohio' } })], 0);
        await store.appendAudit([entry(2), entry(3, { memberId: 'michigan', collectionId: COLLECTION, credentialPrefix: 'concord_x', requestId: 'r-1', source: '127.0.0.1', apiRoot: 'hub' })]);
        const { entries, more } = await store.queryAudit({ limit: 10 });
        expect(more).toBe(false);
        expect(entries.map((e) => e.at)).toEqual([1, 2, 3]);
        const seqs = entries.map((e) => e.seq as number);
        expect(seqs[0]).toBeLessThan(seqs[1] as number);
        expect(seqs[1]).toBeLessThan(seqs[2] as number);
        expect(entries[0]).toEqual({ seq: seqs[0], at: 1, kind: 'admin', action: 'member.create', memberId: 'ohio', details: { member: 'ohio' } });
        expect(entries[2]).toEqual({ seq: seqs[2], ...entry(3, { memberId: 'michigan', collectionId: COLLECTION, credentialPrefix: 'concord_x', requestId: 'r-1', source: '127.0.0.1', apiRoot: 'hub' }) });
      });

      test('filters combine (AND) and pages are keyset by seq', async () => {
        const entries: AuditEntry[] = [];
        for (let i = 0; i < 30; i++) {
          entries.push(entry(1000 + i, { kind: i % 3 === 0 ? 'publish' : 'read', memberId: i % 2 === 0 ? 'ohio' : 'indiana', collectionId: i % 5 === 0 ? OTHER_COLLECTION : COLLECTION }));
        }
        await store.appendAudit(entries);
        const wanted = entries.filter((e) => e.kind === 'read' && e.memberId === 'ohio' && e.collectionId === COLLECTION && e.at >= 1004 && e.at < 1026);
        const seen: AuditEntry[] = [];
        let after: number | undefined;
        for (;;) {
          const page = await store.queryAudit({ kind: 'read', memberId: 'ohio', collectionId: COLLECTION, since: 1004, until: 1026, limit: 2, ...(after !== undefined ? { afterSeq: after } : {}) });
          seen.push(...page.entries);
          if (!page.more) break;
          after = page.entries[page.entries.length - 1]?.seq;
        }
        expect(seen.map((e) => e.at)).toEqual(wanted.map((e) => e.at));
        expect((await store.queryAudit({ action: 'objects.get', limit: 100 })).entries).toHaveLength(30);
        expect((await store.queryAudit({ action: 'nothing', limit: 100 })).entries).toHaveLength(0);
      });
    });

    describe('releases (embargo until released)', () => {
      test('addReleases is idempotent; releasedAmong answers per provider, only for the ids asked', async () => {
        const [a, b, c] = [stixId('indicator'), stixId('indicator'), stixId('indicator')];
        expect(await store.releasedAmong('ohio', [a, b])).toEqual(new Set());
        await store.addReleases('ohio', [a, b]);
        await store.addReleases('ohio', [a]);
        expect(await store.releasedAmong('ohio', [a, b, c])).toEqual(new Set([a, b]));
        expect(await store.releasedAmong('ohio', [b])).toEqual(new Set([b]));
        expect(await store.releasedAmong('indiana', [a, b, c])).toEqual(new Set());
        expect(await store.releasedAmong('ohio', [])).toEqual(new Set());
      });

      test('releasedAmong handles long id lists', async () => {
        const many = Array.from({ length: 1200 }, () => stixId('indicator'));
        await store.addReleases('ohio', many.filter((_, i) => i % 3 === 0));
        expect((await store.releasedAmong('ohio', many)).size).toBe(400);
      });

      test('takeDeferredForObjects removes and returns the embargoed decisions of every reader for those ids, and only those', async () => {
        const [a, b] = [stixId('indicator'), stixId('indicator')];
        const ka = key(T1);
        await store.addDeferred([
          { reader: 'indiana', baseCollection: COLLECTION, objectId: a, versionKey: ka, dueAt: Number.MAX_SAFE_INTEGER },
          { reader: 'iowa', baseCollection: COLLECTION, objectId: a, versionKey: ka, dueAt: 5000 },
          { reader: 'indiana', baseCollection: COLLECTION, objectId: a, versionKey: ka, waitingFor: b },
          { reader: 'indiana', baseCollection: COLLECTION, objectId: b, versionKey: ka, dueAt: Number.MAX_SAFE_INTEGER },
        ]);
        const taken = await store.takeDeferredForObjects([a, stixId('indicator')]);
        expect(taken).toEqual([
          { reader: 'indiana', baseCollection: COLLECTION, objectId: a, versionKey: ka, dueAt: Number.MAX_SAFE_INTEGER },
          { reader: 'iowa', baseCollection: COLLECTION, objectId: a, versionKey: ka, dueAt: 5000 },
        ]);
        expect(await store.takeDeferredForObjects([a])).toEqual([]);
        expect(await store.takeDeferredForObjects([])).toEqual([]);
        // The closure decision and the other object's embargo stay.
        expect(await store.takeWaitingFor('indiana', [b])).toHaveLength(1);
        expect(await store.takeDueDeferred(Number.MAX_SAFE_INTEGER, 10)).toEqual([
          { reader: 'indiana', baseCollection: COLLECTION, objectId: b, versionKey: ka, dueAt: Number.MAX_SAFE_INTEGER },
        ]);
      });

      test('a decision held until release is never due by the clock', async () => {
        const a = stixId('indicator');
        await store.addDeferred([{ reader: 'indiana', baseCollection: COLLECTION, objectId: a, versionKey: key(T1), dueAt: Number.MAX_SAFE_INTEGER }]);
        expect(await store.takeDueDeferred(Date.now() + 1e12, 10)).toEqual([]);
        expect(await store.takeDeferredForObjects([a])).toHaveLength(1);
      });
    });

    describe('ping and close', () => {
      test('ping resolves on an open store', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });

      test('close resolves; afterwards ping rejects; closing again is harmless', async () => {
        const s = await makeStore();
        opened.push(s);
        await s.addObjects(COLLECTION, [ver(stixId('indicator'), T1)]);
        await expect(s.close()).resolves.toBeUndefined();
        await expect(s.ping()).rejects.toThrow();
        await expect(s.close()).resolves.toBeUndefined();
      });
    });
  });
}

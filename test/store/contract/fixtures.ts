// Helpers of the storage contract suite (test/store/store-contract.ts): versions to add,
// queries, a brute-force model of what a store should hold, and what each part of the
// suite is given to test.
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
} from '../../../src/store/store';
import { versionKey } from '../../../src/vocabulary/time';

/** What each part of the suite is given: the store of the running test, and how to open more. */
export interface ContractSubject {
  /** The running test's store: a new, empty one for each test. */
  current(): Store;
  /** Opens another new, empty store. */
  makeStore: () => Promise<Store>;
  /** Stores to close after the running test. */
  opened: Store[];
}

export const ALL: VersionSelector = { all: true };
export const LAST: VersionSelector = { first: false, last: true, exact: [] };
export const FIRST: VersionSelector = { first: true, last: false, exact: [] };
export const FIRST_AND_LAST: VersionSelector = { first: true, last: true, exact: [] };
export const NONE: VersionSelector = { first: false, last: false, exact: [] };
export const exact = (...versions: string[]): VersionSelector => ({ first: false, last: false, exact: versions.map(key) });

export const COLLECTION = 'c0ffee00-0000-4000-8000-000000000001';
export const OTHER_COLLECTION = 'c0ffee00-0000-4000-8000-000000000002';

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

export function query(partition: string, q: Partial<ObjectQuery> = {}): ObjectQuery {
  return { partition, versions: ALL, limit: 1000, withJson: false, ...q };
}

/** Follows the keyset (`after` = last dateAdded of the page) to the end; checks page shapes on the way. */
export async function pageAll(store: Store, q: ObjectQuery): Promise<{ records: StoredVersion[]; pages: QueryPage[] }> {
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

export function expectStrictlyIncreasing(values: number[]): void {
  for (let i = 1; i < values.length; i++) {
    if (!((values[i] as number) > (values[i - 1] as number))) {
      throw new Error(`not strictly increasing at ${i}: ${values[i - 1]} then ${values[i]}`);
    }
  }
}

export function added(o: AddOutcome | undefined): { version: string; dateAdded: number } {
  if (!o || o.outcome !== 'added') throw new Error(`expected an 'added' outcome, got ${JSON.stringify(o)}`);
  return o;
}

/** What the store should hold, kept alongside it: a brute-force oracle for queries. */
export interface ModelRecord extends StoredVersion {
  key: string;
  json: string;
}

export class Model {
  readonly records: ModelRecord[] = [];

  /** Adds through the store and records what was added. */
  async add(store: Store, partition: string, versions: NewObjectVersion[]): Promise<AddOutcome[]> {
    const outcomes = await store.addObjects(partition, versions);
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

export function status(overrides: Partial<StoredStatus> = {}): StoredStatus {
  return {
    id: uuidv4(),
    apiRoot: 'hub',
    owner: 'member',
    createdAt: 1_700_000_000_000,
    resource: { id: 'x', status: 'complete', total_count: 1, successes: [{ id: 'indicator--1', version: 'v' }] },
    ...overrides,
  };
}

export const T1 = '2024-01-01T00:00:01Z';
export const T1_MS = '2024-01-01T00:00:01.000Z';
export const T1_NS = '2024-01-01T00:00:01.000000000Z';
/** Lexically before T1 as a raw string ('.' < 'Z'), but later in time. */
export const T1_5 = '2024-01-01T00:00:01.5Z';
export const T2 = '2024-01-01T00:00:02.000Z';
export const T3 = '2024-01-01T00:00:03.123456789Z';
export const T4 = '2024-01-01T00:00:04Z';

export const ids = (records: StoredVersion[]) => records.map((r) => r.id);
export const versionsOf = (records: StoredVersion[]) => records.map((r) => r.version);

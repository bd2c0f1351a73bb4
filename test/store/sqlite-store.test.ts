import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store';
import type { AddOutcome } from '../../src/store/store';
import * as timestamps from '../../src/vocabulary/time';
import { ALL, LAST, runStoreContract, stixId, ver } from './store-contract';

runStoreContract('SqliteStore (:memory:)', async () => new SqliteStore(':memory:'));

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-store-'));
let fileNo = 0;
const tmpFile = () => path.join(tmpDir, `store-${++fileNo}.sqlite`);
afterAll(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

runStoreContract('SqliteStore (temporary file)', async () => new SqliteStore(tmpFile()));

describe('SqliteStore over a file, across close and reopen', () => {
  const C = 'c0ffee00-0000-4000-8000-0000000000aa';
  const dateAddedOf = (outcomes: AddOutcome[]) =>
    outcomes.map((o) => {
      if (o.outcome !== 'added') throw new Error(`expected added, got ${JSON.stringify(o)}`);
      return o.dateAdded;
    });

  afterEach(() => jest.restoreAllMocks());

  test('date_added stays strictly increasing after a reopen, even when the clock went backwards', async () => {
    const file = tmpFile();
    let store = new SqliteStore(file);
    const before: number[] = [];
    for (let i = 0; i < 5; i++) {
      before.push(...dateAddedOf(await store.addObjects(C, [ver(stixId('indicator'), '2024-01-01T00:00:01Z'), ver(stixId('ipv4-addr'), undefined)])));
    }
    await store.close();
    const highest = Math.max(...before);

    // The restarted process's clock is an hour behind the previous one.
    jest.spyOn(timestamps, 'nowMicros').mockReturnValue(highest - 3_600_000_000);
    store = new SqliteStore(file);
    const after = dateAddedOf(await store.addObjects(C, [ver(stixId('malware'), '2024-01-01T00:00:01Z'), ver(stixId('ipv4-addr'), undefined)]));
    after.push(...dateAddedOf(await store.addObjects(C, [ver(stixId('note'), '2024-01-01T00:00:01Z')])));
    for (const d of after) expect(d).toBeGreaterThan(highest);
    expect(after[1] as number).toBeGreaterThan(after[0] as number);
    expect(after[2] as number).toBeGreaterThan(after[1] as number);

    const all = (await store.queryObjects({ partition: C, versions: ALL, limit: 1000, withJson: false })).records;
    expect(all.map((r) => r.dateAdded)).toEqual([...before, ...after]);
    await store.close();
  });

  test('objects, duplicates, first/last flags, statuses and settings survive a reopen', async () => {
    const file = tmpFile();
    const id = stixId('indicator');
    let store = new SqliteStore(file);
    await store.addObjects(C, [ver(id, '2024-01-01T00:00:02Z'), ver(id, '2024-01-01T00:00:01Z')]);
    await store.saveStatus({ id: 'f0000000-0000-4000-8000-000000000000', apiRoot: 'hub', owner: 'm', createdAt: 5, resource: { a: 1 } });
    await expect(store.getOrCreateSetting('k', () => 'v')).resolves.toBe('v');
    await store.close();

    store = new SqliteStore(file);
    const [dup] = await store.addObjects(C, [ver(id, '2024-01-01T00:00:01.000Z')]);
    expect(dup).toEqual({ outcome: 'duplicate', version: '2024-01-01T00:00:01Z' });
    const last = await store.queryObjects({ partition: C, versions: LAST, limit: 10, withJson: false });
    expect(last.records.map((r) => r.version)).toEqual(['2024-01-01T00:00:02Z']);
    await expect(store.getStatus('hub', 'f0000000-0000-4000-8000-000000000000')).resolves.toMatchObject({ resource: { a: 1 } });
    const make = jest.fn(() => 'other');
    await expect(store.getOrCreateSetting('k', make)).resolves.toBe('v');
    expect(make).not.toHaveBeenCalled();
    await store.close();
  });

  test('two stores over the same file share one collection clock', async () => {
    const file = tmpFile();
    const a = new SqliteStore(file);
    const b = new SqliteStore(file);
    const all: number[] = [];
    for (let i = 0; i < 10; i++) {
      const s = i % 2 === 0 ? a : b;
      all.push(...dateAddedOf(await s.addObjects(C, [ver(stixId('indicator'), '2024-01-01T00:00:01Z')])));
    }
    for (let i = 1; i < all.length; i++) expect(all[i] as number).toBeGreaterThan(all[i - 1] as number);
    await a.close();
    await b.close();
  });
});

// Writes that only derive from pending base rows skip their own fsync (sqlite-connection.ts withoutOwnFsync);
// every other write must still be synchronous=FULL, whatever the derived write did.
describe('SqliteStore durability setting around derived writes', () => {
  const C = 'c0ffee00-0000-4000-8000-0000000000bb';
  const FULL = 2;
  const synchronous = (store: SqliteStore) =>
    (store as unknown as { db: { pragma: (s: string, o: { simple: true }) => unknown } }).db.pragma('synchronous', { simple: true });

  test('a recoverable view write and settling leave the connection at FULL, also when the write is refused', async () => {
    const store = new SqliteStore(tmpFile());
    expect(synchronous(store)).toBe(FULL);
    const added = await store.addObjects(C, [ver(stixId('indicator'), '2024-01-01T00:00:01Z')]);
    const at = (added[0] as Extract<AddOutcome, { outcome: 'added' }>).dateAdded;
    await store.addObjectsToMany([{ partition: `${C}-view`, versions: [ver(stixId('indicator'), '2024-01-01T00:00:01Z')] }], { recoverable: true });
    expect(synchronous(store)).toBe(FULL);
    await store.settleVersions(C, at, at);
    expect(synchronous(store)).toBe(FULL);
    const revision = await store.directoryRevision();
    await expect(
      store.addObjectsToMany([{ partition: `${C}-view`, versions: [ver(stixId('malware'), '2024-01-01T00:00:01Z')] }], { directoryRevision: revision + 1, recoverable: true }),
    ).rejects.toThrow('directory');
    expect(synchronous(store)).toBe(FULL);
    await store.close();
  });
});

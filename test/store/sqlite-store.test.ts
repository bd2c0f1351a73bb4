import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
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

// Files made before partitions were interned (collection_id and base_collection as text in
// every row) are rebuilt on open; what they held reads the same afterwards.
describe('SqliteStore over a file made before partition ids', () => {
  const C = 'c0ffee00-0000-4000-8000-0000000000cc';
  const VIEW = `view:member-001:${C}`;

  function oldFile(): { file: string; ids: string[] } {
    const file = tmpFile();
    const db = new Database(file);
    db.exec(`
      CREATE TABLE objects (
        seq INTEGER PRIMARY KEY, collection_id TEXT NOT NULL, object_id TEXT NOT NULL, type TEXT NOT NULL,
        version TEXT NOT NULL, version_key TEXT NOT NULL, spec_version TEXT NOT NULL, date_added INTEGER NOT NULL,
        is_first INTEGER NOT NULL, is_last INTEGER NOT NULL, json TEXT NOT NULL, provider TEXT, base_collection TEXT,
        base_object_id TEXT, variant INTEGER, pending INTEGER NOT NULL DEFAULT 0
      );
      CREATE UNIQUE INDEX objects_by_added ON objects (collection_id, date_added);
      CREATE INDEX objects_last_by_added ON objects (collection_id, is_last, date_added);
      CREATE INDEX objects_type_by_added ON objects (collection_id, type, date_added);
      CREATE UNIQUE INDEX objects_by_version ON objects (collection_id, object_id, version_key);
      CREATE INDEX objects_pending ON objects (seq) WHERE pending = 1;
      CREATE TABLE collection_clock (collection_id TEXT PRIMARY KEY, last_added INTEGER NOT NULL);
      CREATE TABLE variants (id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, json TEXT NOT NULL);
    `);
    const ids = [stixId('indicator'), stixId('malware')];
    const insert = db.prepare(
      'INSERT INTO objects (collection_id, object_id, type, version, version_key, spec_version, date_added, is_first, is_last, json, provider, base_collection, variant, pending) ' +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const [a, b] = ids as [string, string];
    const v1 = ver(a, '2024-01-01T00:00:01Z');
    const v2 = ver(a, '2024-01-01T00:00:02Z');
    const m = ver(b, '2024-01-01T00:00:01Z');
    insert.run(C, a, 'indicator', v1.version, v1.versionKey, '2.1', 100, 1, 0, v1.json, 'member-001', null, null, 0);
    insert.run(C, a, 'indicator', v2.version, v2.versionKey, '2.1', 101, 0, 1, v2.json, 'member-001', null, null, 0);
    insert.run(C, b, 'malware', m.version, m.versionKey, '2.1', 102, 1, 1, m.json, 'member-001', null, null, 1);
    insert.run(VIEW, a, 'indicator', v2.version, v2.versionKey, '2.1', 200, 1, 1, '', null, C, null, 0);
    db.prepare('INSERT INTO variants (hash, json) VALUES (?, ?)').run('h', '{"transformed":true}');
    insert.run(VIEW, b, 'malware', m.version, m.versionKey, '2.1', 201, 1, 1, '', null, C, 1, 0);
    db.prepare('INSERT INTO collection_clock VALUES (?, ?), (?, ?)').run(C, 102, VIEW, 201);
    db.close();
    return { file, ids };
  }

  test('rows, flags, served JSON, pending rows and clocks read the same after the rebuild', async () => {
    const { file, ids } = oldFile();
    const [a, b] = ids as [string, string];
    const store = new SqliteStore(file);
    const base = await store.queryObjects({ partition: C, versions: ALL, limit: 10, withJson: true });
    expect(base.records.map((r) => [r.id, r.version, r.dateAdded, r.provider])).toEqual([
      [a, '2024-01-01T00:00:01Z', 100, 'member-001'],
      [a, '2024-01-01T00:00:02Z', 101, 'member-001'],
      [b, '2024-01-01T00:00:01Z', 102, 'member-001'],
    ]);
    const last = await store.queryObjects({ partition: C, versions: LAST, limit: 10, withJson: false });
    expect(last.records.map((r) => r.dateAdded)).toEqual([101, 102]);
    const view = await store.queryObjects({ partition: VIEW, versions: ALL, limit: 10, withJson: true });
    expect(view.records.map((r) => [r.id, r.dateAdded, r.json])).toEqual([
      [a, 200, ver(a, '2024-01-01T00:00:02Z').json],
      [b, 201, '{"transformed":true}'],
    ]);
    expect(await store.pendingVersions(10)).toMatchObject([{ collectionId: C, id: b, dateAdded: 102 }]);
    const [dup] = await store.addObjects(C, [ver(a, '2024-01-01T00:00:02Z')]);
    expect(dup).toEqual({ outcome: 'duplicate', version: '2024-01-01T00:00:02Z' });
    const [added] = await store.addObjects(VIEW, [{ ...ver(stixId('note'), '2024-01-01T00:00:01Z'), json: '', baseCollection: C }]);
    expect(added).toMatchObject({ outcome: 'added' });
    expect((added as Extract<AddOutcome, { outcome: 'added' }>).dateAdded).toBeGreaterThan(201);
    await store.close();
    const db = new Database(file, { readonly: true });
    const columns = (db.prepare('PRAGMA table_info(objects)').all() as Array<{ name: string }>).map((c) => c.name);
    expect(columns).toContain('part');
    expect(columns).not.toContain('collection_id');
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'objects_before_partitions'").pluck().get()).toBe(0);
    db.close();
  });
});

// The MongoDB store against a real wire-protocol server (FerretDB in CI, MongoDB anywhere):
// the same contract suite as the embedded store, plus what only a shared server has —
// several processes' stores over one database.
import { MONGODB_URI, freshDatabaseName, newMongoStore } from '../helpers/test-store';
import { MongoStore } from '../../src/store/mongo/mongo-store';
import { AUDIT_SEQ, DIRECTORY, lockId, partitionKey } from '../../src/store/mongo/write-lease';
import { DirectoryConflict } from '../../src/directory/records';
import type { AddOutcome } from '../../src/store/store';
import { ALL, runStoreContract, stixId, ver } from './store-contract';

if (!MONGODB_URI) {
  // jest.global-setup.js prints the one line saying so; this keeps the file from being empty.
  test.skip('MongoDB store suite (MONGODB_URI is not set)', () => undefined);
} else {
  const uri = MONGODB_URI;
  runStoreContract('MongoStore', () => newMongoStore());

  describe('MongoStore: several stores (processes) over one database', () => {
    const C = 'c0ffee00-0000-4000-8000-0000000000bb';
    const dateAddedOf = (outcomes: AddOutcome[]) =>
      outcomes.map((o) => {
        if (o.outcome !== 'added') throw new Error(`expected added, got ${JSON.stringify(o)}`);
        return o.dateAdded;
      });

    test('concurrent writers keep date_added unique and increasing in commit order', async () => {
      const database = freshDatabaseName();
      const a = await newMongoStore(database);
      const b = await MongoStore.open(uri, database);
      try {
        const writes = Array.from({ length: 12 }, (_, i) =>
          (i % 2 === 0 ? a : b).addObjects(C, [ver(stixId('indicator'), '2024-01-01T00:00:01Z'), ver(stixId('note'), '2024-01-01T00:00:01Z')]),
        );
        const all = (await Promise.all(writes)).flatMap(dateAddedOf);
        expect(new Set(all).size).toBe(all.length);
        const stored = (await b.queryObjects({ partition: C, versions: ALL, limit: 1000, withJson: false })).records;
        expect(stored).toHaveLength(24);
        expect(stored.map((r) => r.dateAdded).sort((x, y) => x - y)).toEqual([...all].sort((x, y) => x - y));
        // Each batch is one contiguous range: no other writer's objects fall inside it.
        for (const batch of await Promise.all(writes)) {
          const [lo, hi] = dateAddedOf(batch) as [number, number];
          expect(stored.filter((r) => r.dateAdded >= lo && r.dateAdded <= hi)).toHaveLength(2);
        }
      } finally {
        await b.close();
        await a.close();
      }
    });

    test('a writer that died holding the lease blocks others only until it expires; clocks and seq recover', async () => {
      const database = freshDatabaseName();
      const a = await newMongoStore(database);
      try {
        const first = dateAddedOf(await a.addObjects(C, [ver(stixId('indicator'), '2024-01-01T00:00:01Z')]));
        await a.appendAudit([{ at: 1, kind: 'admin', action: 'test.one' }]);
        // A process that took the leases and died: never released, unclean, and its seq counter lost.
        for (const key of [partitionKey(C), AUDIT_SEQ]) {
          await a.db.collection('meta').insertOne({ _id: lockId(key), owner: 'dead', until: Date.now() + 1_500 } as never);
        }
        await a.db.collection('meta').updateOne({ _id: `state:${AUDIT_SEQ}` } as never, { $set: { seq: 0 } });
        const b = await MongoStore.open(uri, database, { leaseTtlMs: 1_000 });
        try {
          const started = Date.now();
          const later = dateAddedOf(await b.addObjects(C, [ver(stixId('indicator'), '2024-01-01T00:00:01Z')]));
          expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
          expect(later[0] as number).toBeGreaterThan(first[0] as number);
          // The new holder read the seq back from the audit log: no entry is overwritten or duplicated.
          await b.appendAudit([{ at: 2, kind: 'admin', action: 'test.two' }]);
          const { entries } = await b.queryAudit({ limit: 10 });
          expect(entries.map((e) => e.action)).toEqual(['test.one', 'test.two']);
          expect((entries[1]?.seq as number) > (entries[0]?.seq as number)).toBe(true);
        } finally {
          await b.close();
        }
      } finally {
        await a.close();
      }
    });

    describe('leases per collection', () => {
      const A = 'c0ffee00-0000-4000-8000-0000000000a1';
      const B = 'c0ffee00-0000-4000-8000-0000000000b2';
      const one = () => [ver(stixId('indicator'), '2024-01-01T00:00:01Z')];
      /** A live holder of `key` in another process, valid `ms` more; resolves to a release. */
      const holdElsewhere = async (store: MongoStore, key: string, ms: number, shared = false) => {
        const _id = shared ? `${lockId(key)}:shared:elsewhere` : lockId(key);
        await store.db.collection('meta').insertOne({ _id, owner: 'elsewhere', until: Date.now() + ms, ...(shared ? { shared: key } : {}) } as never);
        return () => store.db.collection('meta').deleteOne({ _id } as never);
      };
      const settledWithin = async <T>(p: Promise<T>, ms: number) =>
        Promise.race([p.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);

      test('while collection A is held elsewhere, writes to B complete, in this process and another', async () => {
        const database = freshDatabaseName();
        const a = await newMongoStore(database);
        const b = await MongoStore.open(uri, database);
        try {
          const release = await holdElsewhere(a, partitionKey(A), 30_000);
          const toA = a.addObjects(A, one());
          const viewOfA = b.addObjectsToMany([{ partition: `view:k1:${A}`, versions: one() }]);
          // The same process, and another, write B (its base partition, a class's view of it and a feed).
          const started = Date.now();
          dateAddedOf(await a.addObjects(B, one()));
          await b.addObjectsToMany([
            { partition: B, versions: one() },
            { partition: `view:k1:${B}`, versions: one() },
            { partition: 'view:k1:feed', versions: one() },
          ]);
          expect(Date.now() - started).toBeLessThan(10_000);
          expect(await settledWithin(toA, 0)).toBe(false);
          expect(await settledWithin(viewOfA, 0)).toBe(false);
          await release();
          dateAddedOf(await toA);
          dateAddedOf((await viewOfA)[0] as AddOutcome[]);
        } finally {
          await b.close();
          await a.close();
        }
      });

      test('concurrent writes to two collections and their views keep date_added unique, each batch contiguous', async () => {
        const database = freshDatabaseName();
        const a = await newMongoStore(database);
        const b = await MongoStore.open(uri, database);
        try {
          const partitions = [A, B, `view:k1:${A}`, `view:k1:${B}`, 'view:k1:feed'];
          const writes = Array.from({ length: 12 }, (_, i) => {
            const store = i % 2 === 0 ? a : b;
            const c = i % 4 < 2 ? A : B;
            const rows = () => [ver(stixId('indicator'), '2024-01-01T00:00:01Z'), ver(stixId('note'), '2024-01-01T00:00:01Z')];
            return store.addObjectsToMany([
              { partition: c, versions: rows() },
              { partition: `view:k1:${c}`, versions: rows() },
              { partition: 'view:k1:feed', versions: rows() },
            ]);
          });
          const results = await Promise.all(writes);
          for (const p of partitions) {
            const stored = (await a.queryObjects({ partition: p, versions: ALL, limit: 1000, withJson: false })).records;
            const dates = stored.map((r) => r.dateAdded);
            expect(new Set(dates).size).toBe(dates.length);
            expect(dates).toEqual([...dates].sort((x, y) => x - y));
            expect(stored).toHaveLength(p === 'view:k1:feed' ? 24 : 12);
          }
          // In every partition, each write's rows are one contiguous range: no other write's fall inside it.
          for (const [i, result] of results.entries()) {
            const c = i % 4 < 2 ? A : B;
            for (const [j, p] of [c, `view:k1:${c}`, 'view:k1:feed'].entries()) {
              const [lo, hi] = dateAddedOf(result[j] as AddOutcome[]) as [number, number];
              const stored = (await a.queryObjects({ partition: p, versions: ALL, limit: 1000, withJson: false })).records;
              expect(stored.filter((r) => r.dateAdded >= lo && r.dateAdded <= hi)).toHaveLength(2);
            }
          }
        } finally {
          await b.close();
          await a.close();
        }
      });

      test('a directory change waits for writes decided under the old revision, and they for it', async () => {
        const database = freshDatabaseName();
        const a = await newMongoStore(database);
        const b = await MongoStore.open(uri, database);
        const change = (rev: number) => a.applyDirectoryChanges([{ op: 'put', kind: 'termsEpoch', record: { id: 'providers', epoch: rev + 1 } }], [], rev);
        try {
          // A write of readers' rows under revision 0 is in flight elsewhere: the change waits for it.
          let release = await holdElsewhere(a, DIRECTORY, 30_000, true);
          const changing = change(0);
          expect(await settledWithin(changing, 500)).toBe(false);
          // Meanwhile writes that check no revision go ahead.
          dateAddedOf(await b.addObjects(A, one()));
          await release();
          expect(await changing).toBe(1);

          // A change is in progress elsewhere: a write under a revision waits, then finds it moved.
          release = await holdElsewhere(a, DIRECTORY, 30_000);
          const stale = b.addObjectsToMany([{ partition: `view:k1:${A}`, versions: one() }], { directoryRevision: 1 });
          const conflict = stale.catch((e: unknown) => e);
          expect(await settledWithin(stale, 500)).toBe(false);
          dateAddedOf(await b.addObjects(B, one()));
          // The other process's change lands (its revision), then it releases.
          await a.db.collection('meta').updateOne({ _id: 'directory' } as never, { $inc: { revision: 1 } });
          await release();
          expect(await conflict).toBeInstanceOf(DirectoryConflict);
          // One decided under the current revision is written.
          dateAddedOf(((await b.addObjectsToMany([{ partition: `view:k1:${A}`, versions: one() }], { directoryRevision: 2 })) as AddOutcome[][])[0] as AddOutcome[]);
        } finally {
          await b.close();
          await a.close();
        }
      });
    });

    test('indexes are created idempotently: opening the same database twice works', async () => {
      const database = freshDatabaseName();
      const a = await newMongoStore(database);
      const b = await MongoStore.open(uri, database);
      const names = (await a.db.collection('objects').indexes()).map((i) => i.name);
      expect(names).toEqual(expect.arrayContaining(['by_added', 'last_by_added', 'type_by_added', 'by_version']));
      expect((await a.db.collection('pending').indexes()).map((i) => i.name)).toEqual(expect.arrayContaining(['oldest', 'by_collection']));
      await b.close();
      await a.close();
    });
  });
}

// The MongoDB store against a real wire-protocol server (FerretDB in CI, MongoDB anywhere):
// the same contract suite as the embedded store, plus what only a shared server has —
// several processes' stores over one database.
import { MONGODB_URI, freshDatabaseName, newMongoStore } from '../helpers/test-store';
import { MongoStore } from '../../src/store/mongo/mongo-store';
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
        // A process that took the lease and died: never released, unclean, and its seq counter lost.
        await a.db.collection('meta').insertOne({ _id: 'writer-lock', owner: 'dead', until: Date.now() + 1_500 } as never);
        await a.db.collection('meta').updateOne({ _id: 'writer-state' } as never, { $set: { seq: 0 } });
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

// Storage contract, distribution ledger: pending base versions, deferred decisions, releases.
import type { Store } from '../../../src/store/store';
import { COLLECTION, OTHER_COLLECTION, stixId, key, ver, added, T1, type ContractSubject } from './fixtures';

export function distributionLedgerContract(subject: ContractSubject): void {
  let store: Store;
  beforeEach(() => {
    store = subject.current();
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

  describe('class builds (background jobs)', () => {
    const job = (classId: string, createdAt: number, done = 0) => ({
      classId,
      collections: [COLLECTION, OTHER_COLLECTION],
      build: true,
      seed: '@seed',
      sources: ['@a'],
      retire: ['@old'],
      done,
      createdAt,
      revision: 3,
    });

    test('jobs are kept oldest first; a put replaces the job of the same class; finished jobs go', async () => {
      await store.putClassBuilds([job('@two', 20), job('@one', 10)]);
      expect((await store.classBuilds()).map((b) => b.classId)).toEqual(['@one', '@two']);
      await store.putClassBuilds([{ ...job('@two', 20, 1), after: 12345 }]);
      expect(await store.classBuilds()).toEqual([job('@one', 10), { ...job('@two', 20, 1), after: 12345 }]);
      await store.finishClassBuild('@one');
      expect((await store.classBuilds()).map((b) => b.classId)).toEqual(['@two']);
    });

    test('one owner at a time: a claim holds until it expires, and its owner may renew it', async () => {
      await store.putClassBuilds([job('@c', 1)]);
      expect(await store.claimClassBuild('@c', 'p1', 1_000, 0)).toBe(true);
      expect(await store.claimClassBuild('@c', 'p2', 2_000, 500)).toBe(false);
      expect(await store.claimClassBuild('@c', 'p1', 3_000, 600)).toBe(true);
      expect(await store.claimClassBuild('@c', 'p2', 5_000, 3_001)).toBe(true);
      expect(await store.claimClassBuild('@missing', 'p1', 1_000, 0)).toBe(false);
      // Progress written by the owner keeps the claim.
      await store.putClassBuilds([job('@c', 1, 1)]);
      expect(await store.claimClassBuild('@c', 'p1', 6_000, 4_000)).toBe(false);
    });
  });
}

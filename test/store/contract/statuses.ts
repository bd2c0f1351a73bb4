// Storage contract: TAXII status resources.
import { v4 as uuidv4 } from 'uuid';
import type { Store } from '../../../src/store/store';
import { status, type ContractSubject } from './fixtures';

export function statusesContract(subject: ContractSubject): void {
  let store: Store;
  beforeEach(() => {
    store = subject.current();
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
}

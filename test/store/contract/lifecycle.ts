// Storage contract: readiness and closing.
import type { Store } from '../../../src/store/store';
import { COLLECTION, stixId, ver, T1, type ContractSubject } from './fixtures';

export function lifecycleContract(subject: ContractSubject): void {
  const { makeStore, opened } = subject;
  let store: Store;
  beforeEach(() => {
    store = subject.current();
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
}

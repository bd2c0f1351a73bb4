// Storage contract: settings kept across restarts.
import type { Store } from '../../../src/store/store';
import type { ContractSubject } from './fixtures';

export function settingsContract(subject: ContractSubject): void {
  let store: Store;
  beforeEach(() => {
    store = subject.current();
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

    test('getSetting reads a value without creating one', async () => {
      await expect(store.getSetting('layout')).resolves.toBeUndefined();
      await store.getOrCreateSetting('layout', () => 'v1');
      await expect(store.getSetting('layout')).resolves.toBe('v1');
      await expect(store.getSetting('other')).resolves.toBeUndefined();
    });

    test('keys are independent', async () => {
      await expect(store.getOrCreateSetting('a', () => 'A')).resolves.toBe('A');
      await expect(store.getOrCreateSetting('b', () => 'B')).resolves.toBe('B');
      await expect(store.getOrCreateSetting('a', () => 'X')).resolves.toBe('A');
    });
  });
}

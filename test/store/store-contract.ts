// The storage contract suite: every Store backend (SQLite, MongoDB) runs these tests
// unchanged. They use the Store interface only — no SQL, no knowledge of tables — plus,
// for the "identical wall clock" cases, the shared clock of vocabulary/time.ts. Each
// concern's tests are in test/store/contract/.
//
// `makeStore` must return a new, empty store each time it is called; the suite closes
// every store it makes.
import type { Store } from '../../src/store/store';
import { auditLogContract } from './contract/audit-log';
import { directoryContract } from './contract/directory';
import { distributionLedgerContract } from './contract/distribution';
import type { ContractSubject } from './contract/fixtures';
import { lifecycleContract } from './contract/lifecycle';
import { addingObjectsContract } from './contract/objects-adding';
import { objectPresenceAndDeletionContract } from './contract/objects-presence-and-deletion';
import { queryingObjectsContract } from './contract/objects-querying';
import { settingsContract } from './contract/settings';
import { statusesContract } from './contract/statuses';

export { ALL, FIRST, FIRST_AND_LAST, LAST, NONE, exact, key, stixId, ver, type VersionOptions } from './contract/fixtures';

export function runStoreContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    const opened: Store[] = [];
    const subject: ContractSubject = { current: () => store, makeStore, opened };

    beforeEach(async () => {
      store = await makeStore();
      opened.push(store);
    });
    afterEach(async () => {
      jest.restoreAllMocks();
      while (opened.length > 0) await (opened.pop() as Store).close();
    });

    // After the hooks above: each part's own beforeEach reads the store they opened.
    addingObjectsContract(subject);
    queryingObjectsContract(subject);
    objectPresenceAndDeletionContract(subject);
    distributionLedgerContract(subject);
    statusesContract(subject);
    settingsContract(subject);
    directoryContract(subject);
    auditLogContract(subject);
    lifecycleContract(subject);
  });
}

// Wiring of the sharing layer over a store: the hub's identity key (kept in the store so
// that pseudonyms stay stable across restarts and processes) and the distributor.
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { LiveDirectory } from '../access/live-directory';
import type { Store } from '../store/store';
import { Distributor } from './distributor';
import { HubIdentities } from './hub-identities';

export interface Sharing {
  distributor: Distributor;
  identities: HubIdentities;
}

export async function createSharing(store: Store, directory: LiveDirectory, logger: Logger, policyChangeWaitMs?: number): Promise<Sharing> {
  const key = await store.getOrCreateSetting('hub_identity_key', () => crypto.randomBytes(32).toString('base64'));
  const identities = new HubIdentities(Buffer.from(key, 'base64'));
  const distributor = new Distributor(store, directory, identities, logger, Date.now, policyChangeWaitMs);
  await distributor.loadMarkings();
  return { distributor, identities };
}

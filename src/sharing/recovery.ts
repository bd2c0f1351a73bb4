// Base versions are written `pending` and settled once distributed (fan-out.ts), so a
// crash in between leaves them pending; at start they are distributed again.
import type { Logger } from 'pino';
import type { DistributionLedger, PendingVersion } from '../store/store';
import type { BaseVersion } from './base-versions';
import type { FanOut } from './fan-out';
import { STORE_PAGE } from './partition-rows';

export class Recovery {
  constructor(
    private readonly store: DistributionLedger,
    private readonly fanOut: FanOut,
    private readonly logger: Logger,
  ) {}

  /** Finishes distributions a crash interrupted; returns how many base versions. */
  async recoverPending(): Promise<number> {
    let recovered = 0;
    for (;;) {
      const pending = await this.store.pendingVersions(STORE_PAGE);
      if (pending.length === 0) return recovered;
      const byCollection = new Map<string, BaseVersion[]>();
      for (const p of pending) {
        let versions = byCollection.get(p.collectionId);
        if (versions === undefined) byCollection.set(p.collectionId, (versions = []));
        versions.push(pendingBase(p));
      }
      for (const [collectionId, versions] of byCollection) {
        // Rows already written for some readers are exact duplicates and add nothing; the
        // others are visible from now (a reader may have polled past the base instant).
        await this.fanOut.publish(collectionId, versions, { keepDates: false });
      }
      recovered += pending.length;
      this.logger.warn({ recovered }, 'distribution recovered after an interruption');
    }
  }
}

function pendingBase(p: PendingVersion): BaseVersion {
  return {
    id: p.id,
    type: p.type,
    version: p.version,
    versionKey: p.versionKey,
    specVersion: p.specVersion,
    provider: p.provider,
    publishedAt: Math.floor(p.dateAdded / 1000),
    dateAdded: p.dateAdded,
    json: p.json,
  };
}

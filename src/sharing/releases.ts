// Release events: an embargoed version is added to a reader's views when it is due, with
// that instant as its date_added, so that `added_after` pollers pick it up; a provider
// whose MOU embargoes until released has its versions held (due never) until it releases
// them, which decides them again.
import type { LiveDirectory } from '../access/live-directory';
import type { DistributionLedger } from '../store/store';
import { DistributionTally } from './distribution-audit';
import type { FanOut } from './fan-out';
import { STORE_PAGE } from './partition-rows';

export class Releases {
  constructor(
    private readonly store: DistributionLedger,
    private readonly directory: LiveDirectory,
    private readonly fanOut: FanOut,
    private readonly now: () => number,
  ) {}

  /** Releases embargoed versions that are due; returns how many deferred decisions were taken. */
  async releaseDue(): Promise<number> {
    const snapshot = await this.directory.refresh();
    let released = 0;
    for (;;) {
      const due = await this.store.takeDueDeferred(this.now(), STORE_PAGE);
      if (due.length === 0) return released;
      released += due.length;
      await this.fanOut.redecide(snapshot, due);
    }
  }

  /**
   * Embargo until released: the provider releases these objects (base ids). The versions
   * held for other readers are decided again now, so what they may see is added to their
   * views and feeds with this instant as date_added; what is still under an hours embargo
   * waits for it. Ids the provider never published (or already released) change nothing.
   * Returns how many held versions reached a reader (reader × version).
   */
  async release(providerId: string, objectIds: string[]): Promise<number> {
    const ids = [...new Set(objectIds)];
    if (ids.length === 0) return 0;
    const snapshot = await this.directory.refresh();
    await this.store.addReleases(providerId, ids);
    const held = await this.store.takeDeferredForObjects(ids);
    const tally = new DistributionTally();
    await this.fanOut.redecide(snapshot, held, tally);
    return tally.visibleToMembers();
  }
}

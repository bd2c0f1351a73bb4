// Data files of earlier versions kept one view per member, not per audience class. At the
// first start on such a file, each class's views are computed from the base collections,
// keeping the date_added its first member's views gave what they held, and its other
// members catch up (ViewWriter.catchUp); then the per-member
// views and deferred decisions are deleted. Done once: a setting records the layout.
import { audienceClasses } from '../access/audience-classes';
import type { LiveDirectory } from '../access/live-directory';
import { feedCollectionId, viewPartition } from '../directory/hub-ids';
import type { DistributionLedger, ObjectStore, SettingsStore } from '../store/store';
import type { Rematerialisation } from './rematerialisation';
import type { ViewLayout, ViewWriter } from './view-writer';

const LAYOUT_KEY = 'sharing_view_layout';
const LAYOUT = 'audience-classes';

const MEMBER_VIEWS: ViewLayout = { view: viewPartition, feed: (memberId) => viewPartition(memberId, feedCollectionId(memberId)) };

export class LayoutUpgrade {
  constructor(
    private readonly store: ObjectStore & DistributionLedger & SettingsStore,
    private readonly directory: LiveDirectory,
    private readonly views: ViewWriter,
    private readonly rematerialisation: Rematerialisation,
  ) {}

  /** Moves per-member views to audience classes, once; returns how many members' views were moved. */
  async upgrade(): Promise<number> {
    if ((await this.store.getSetting(LAYOUT_KEY)) === LAYOUT) return 0;
    const snapshot = await this.directory.refresh();
    for (const cls of audienceClasses(snapshot).all()) {
      const [first, ...others] = cls.members;
      if (first === undefined) continue;
      await this.rematerialisation.rebuildClass(snapshot, cls, { owner: first.id, layout: MEMBER_VIEWS });
      for (const m of others) await this.views.catchUp(cls.id, m.id, cls.collections, MEMBER_VIEWS);
    }
    for (const m of snapshot.members.values()) {
      for (const c of snapshot.collections.values()) await this.store.dropPartition(viewPartition(m.id, c.id));
      await this.store.dropPartition(MEMBER_VIEWS.feed(m.id));
      await this.store.clearDeferred(m.id);
    }
    await this.store.getOrCreateSetting(LAYOUT_KEY, () => LAYOUT);
    return snapshot.members.size;
  }
}

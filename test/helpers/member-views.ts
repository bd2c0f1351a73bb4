// Where a member's views are stored: its audience class's partitions, as the directory in
// the store places it now (src/access/audience-classes.ts).
import { audienceClasses } from '../../src/access/audience-classes';
import { DirectorySnapshot } from '../../src/access/directory-snapshot';
import { feedPartition, viewPartition } from '../../src/directory/hub-ids';
import type { DirectoryStore } from '../../src/store/store';

async function classOf(store: DirectoryStore, memberId: string): Promise<string> {
  const cls = audienceClasses(new DirectorySnapshot(await store.loadDirectory())).of(memberId);
  // A member that reads nothing has no views: a partition nothing is written to.
  return cls?.id ?? '-';
}

/** The partition holding what `memberId` sees of `collectionId`. */
export async function memberView(store: DirectoryStore, memberId: string, collectionId: string): Promise<string> {
  return viewPartition(await classOf(store, memberId), collectionId);
}

/** The partition holding everything `memberId` sees (its feed). */
export async function memberFeed(store: DirectoryStore, memberId: string): Promise<string> {
  return feedPartition(await classOf(store, memberId));
}

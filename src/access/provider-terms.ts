// Providers' terms: what a sharing decision reads about whoever published a version — its
// MOU's provide terms, its groups and its identity. Unlike a reader's terms (which place
// the reader in an audience class, audience-classes.ts), they are the same for every
// reader, so a change to them may change what every class sees of that provider's objects
// and of everything that refers to them.
//
// Such a change bumps the hub's terms epoch, in the same directory write, and every class id
// includes the epoch: at the revision that makes the change, every member reads from new,
// empty views, so that nothing decided under the old terms is ever served under the new
// ones. The views are then built in the background (sharing/class-builds.ts), keeping the
// date_added of everything the old views held in the same form.
import type { DirectoryChange, DirectoryData } from '../directory/records';
import { defaultMou } from '../directory/mou';
import { canonical } from '../vocabulary/canonical';
import { DirectorySnapshot } from './directory-snapshot';

/** The hub's terms epoch: 0 until providers' terms first change. */
export function termsEpoch(data: DirectoryData): number {
  return data.termsEpochs?.find((e) => e.id === 'providers')?.epoch ?? 0;
}

/**
 * The change that bumps the epoch when going from `before` to `after` changes providers'
 * terms; undefined when it does not. What counts, for each member of `before`:
 *   - its provide terms (the defaults when it has no MOU) and its identity: a member that
 *     may not write now may have published before;
 *   - its groups (which readers' `sources` name), when it may write in `before`;
 *   - its leaving, when it may write in `before` (its objects are then decided as the hub's).
 * A member joining has published nothing, so what it shares changes nothing yet; nor does
 * a reader's own change.
 */
export function termsEpochChange(before: DirectorySnapshot, after: DirectoryData): DirectoryChange | undefined {
  if (!providersChanged(before, new DirectorySnapshot(after))) return undefined;
  return { op: 'put', kind: 'termsEpoch', record: { id: 'providers', epoch: termsEpoch(before.data) + 1 } };
}

function providersChanged(before: DirectorySnapshot, after: DirectorySnapshot): boolean {
  for (const m of before.members.values()) {
    const writer = mayPublish(before, m.id);
    const now = after.members.get(m.id);
    if (now === undefined) {
      if (writer) return true;
      continue;
    }
    if ((m.identityRef ?? null) !== (now.identityRef ?? null)) return true;
    if (JSON.stringify(canonical(provideOf(before, m.id))) !== JSON.stringify(canonical(provideOf(after, m.id)))) return true;
    if (writer && JSON.stringify([...m.groups].sort()) !== JSON.stringify([...now.groups].sort())) return true;
  }
  return false;
}

function provideOf(snapshot: DirectorySnapshot, memberId: string) {
  return (snapshot.mous.get(memberId) ?? defaultMou(memberId)).provide;
}

function mayPublish(snapshot: DirectorySnapshot, memberId: string): boolean {
  for (const a of snapshot.accessOf(memberId, 'publisher', { evenIfSuspended: true }).values()) if (a === 'w' || a === 'rw') return true;
  return snapshot.ownsCollection(memberId);
}

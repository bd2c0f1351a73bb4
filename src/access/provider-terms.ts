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
 * terms; undefined when it does not. What counts, per member:
 *   - its provide terms (the defaults when it has no MOU) and its identity, whenever it is
 *     in both directories: a member that may no longer write may have published before;
 *   - its groups (which readers' `sources` name), when it may write in either;
 *   - all of it, for a member in only one of the two, when it may write there: a reader
 *     joining or leaving changes nothing anyone else sees.
 */
export function termsEpochChange(before: DirectorySnapshot, after: DirectoryData): DirectoryChange | undefined {
  const afterSnapshot = new DirectorySnapshot(after);
  if (providersFingerprint(before, afterSnapshot) === providersFingerprint(afterSnapshot, before)) return undefined;
  return { op: 'put', kind: 'termsEpoch', record: { id: 'providers', epoch: termsEpoch(before.data) + 1 } };
}

function providersFingerprint(snapshot: DirectorySnapshot, other: DirectorySnapshot): string {
  const entries: unknown[] = [];
  const members = [...snapshot.members.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const m of members) {
    const writes = mayPublish(snapshot, m.id) || (other.members.has(m.id) && mayPublish(other, m.id));
    if (!other.members.has(m.id) && !writes) continue;
    const provide = (snapshot.mous.get(m.id) ?? defaultMou(m.id)).provide;
    entries.push([m.id, m.identityRef ?? null, canonical(provide), writes ? [...m.groups].sort() : null]);
  }
  return JSON.stringify(entries);
}

function mayPublish(snapshot: DirectorySnapshot, memberId: string): boolean {
  for (const a of snapshot.accessOf(memberId, 'publisher', { evenIfSuspended: true }).values()) if (a === 'w' || a === 'rw') return true;
  return snapshot.ownsCollection(memberId);
}
